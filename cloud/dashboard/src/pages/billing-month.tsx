/** Billing month (being built). */
export function BillingMonthPage() {
  return (
    <section class="card">
      <h1>Billing month</h1>
      <p role="status">This page is being built.</p>
    </section>
  );
}
