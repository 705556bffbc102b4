/**
 * String matching with `*` as AWS does it. The recorded behaviour (a boto3 suite run against real
 * CloudWatch Logs) is not a textbook glob: every piece between stars is looked up at its first
 * occurrence after the previous one and never retried, and the last piece must then end the text.
 * So `*.111.111.111` matches "111.111.111.111" but `*111.111.111` does not, `1*3` matches "123",
 * and `11*1` does not match "111.111.111.111". We reproduce that, mistakes included.
 */
export type TextTest = (text: string) => boolean;

export function compileWildcard(pattern: string): TextTest {
  if (!pattern.includes('*')) return (text) => text === pattern;
  if (/^\*+$/.test(pattern)) return () => true;
  const pieces = pattern.split('*');
  const first = pieces[0] ?? '';
  const last = pieces[pieces.length - 1] ?? '';
  const middle = pieces.slice(1, -1).filter((p) => p.length > 0);
  const openEnd = last.length === 0;
  return (text) => {
    if (first.length > 0 && !text.startsWith(first)) return false;
    let pos = first.length;
    for (const piece of middle) {
      const at = text.indexOf(piece, pos);
      if (at < 0) return false;
      pos = at + piece.length;
    }
    if (openEnd) return pos <= text.length;
    const at = text.indexOf(last, pos);
    return at >= 0 && at + last.length === text.length;
  };
}
