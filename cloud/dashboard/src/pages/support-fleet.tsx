/** Fleet (being built). */
export function SupportFleetPage() {
  return (
    <section class="card">
      <h1>Fleet</h1>
      <p role="status">This page is being built.</p>
    </section>
  );
}
