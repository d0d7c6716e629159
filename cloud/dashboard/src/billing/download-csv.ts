/**
 * Hands CSV text to the browser as a file download: a Blob behind an <a download>, clicked once. The URL
 * is returned so the page can offer the same file again (and revoke it when replaced).
 */
export function downloadCsv(csv: string, filename: string): string {
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  return url;
}

/** Data lines of a CSV (the header excluded), for "exported N rows". */
export const csvDataLines = (csv: string): number => csv.split(/\r?\n/).filter((line) => line.length > 0).length - 1;
