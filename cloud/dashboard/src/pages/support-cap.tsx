/** Cap (being built). */
export function SupportCapPage() {
  return (
    <section class="card">
      <h1>Cap</h1>
      <p role="status">This page is being built.</p>
    </section>
  );
}
