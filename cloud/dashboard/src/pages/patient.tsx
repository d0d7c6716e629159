/** Patient (being built). */
export function PatientPage() {
  return (
    <section class="card">
      <h1>Patient</h1>
      <p role="status">This page is being built.</p>
    </section>
  );
}
