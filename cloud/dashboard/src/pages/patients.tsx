/** Patients (being built). */
export function PatientsPage() {
  return (
    <section class="card">
      <h1>Patients</h1>
      <p role="status">This page is being built.</p>
    </section>
  );
}
