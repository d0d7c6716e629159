/** Enrol a patient (being built). */
export function EnrolPage() {
  return (
    <section class="card">
      <h1>Enrol a patient</h1>
      <p role="status">This page is being built.</p>
    </section>
  );
}
