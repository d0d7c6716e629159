/** A URL the workspace has no page for (or not for this role). */
import { paths } from '../paths.ts';

export function NotFoundPage() {
  return (
    <section class="card">
      <h1>Page not found</h1>
      <p>
        There is no page here for your role. <a href={paths.home}>Go to the start page</a>.
      </p>
    </section>
  );
}
