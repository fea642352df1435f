// Counts in the lines people read: "1 target", "2 targets", "0 consoles", never "1 targets".

/** `n` and the noun, singular for exactly 1: plural(1, 'target') "1 target"; plural(3, 'reply', 'replies') "3 replies". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
