/**
 * The account page's place for "Export my data". The export download is
 * built on another branch; whoever merges it renders its control as this
 * slot's children in page.tsx. With none, nothing is shown: no button that
 * does nothing.
 */
export function ExportSlot({ children }: { children?: React.ReactNode }) {
  if (!children) return null;
  return (
    <section className="card" aria-label="Export my data" data-testid="export-slot">
      <h2>Export my data</h2>
      {children}
    </section>
  );
}
