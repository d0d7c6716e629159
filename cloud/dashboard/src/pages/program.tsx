/** Program (being built). */
export function ProgramPage() {
  return (
    <section class="card">
      <h1>Program</h1>
      <p role="status">This page is being built.</p>
    </section>
  );
}
