// The Consumer Output filter's rules (media/output.js applies the same ones in the view).

/**
 * A filter: `/regexp/flags` is a regular expression, anything else words that must all appear
 * (case-insensitive); a word starting with `-` must not.
 */
export function matcher(filter: string): (text: string) => boolean {
  const f = filter.trim();
  if (!f) return () => true;
  const re = /^\/(.*)\/([a-z]*)$/.exec(f);
  if (re) {
    try { const r = new RegExp(re[1], re[2].replace(/g/g, '')); return t => r.test(t); } catch { /* words */ }
  }
  const words = f.toLowerCase().split(/\s+/);
  const want = words.filter(w => !w.startsWith('-') || w.length === 1);
  const not = words.filter(w => w.startsWith('-') && w.length > 1).map(w => w.slice(1));
  return t => {
    const s = t.toLowerCase();
    return want.every(w => s.includes(w)) && !not.some(w => s.includes(w));
  };
}
