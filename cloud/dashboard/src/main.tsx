/** The clinic workspace's entry: mounts the app into #app (see public/index.html), replacing its loading line. */
import { render } from 'preact';
import { App } from './app.tsx';

const root = document.getElementById('app')!;
root.textContent = '';
render(<App />, root);
