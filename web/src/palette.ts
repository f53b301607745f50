// Colours for versions in charts and timelines: distinct, and readable on light and dark
// backgrounds. A version keeps its colour across the charts of one view (by its index there).
const PALETTE = ['#4263eb', '#e8590c', '#2f9e44', '#ae3ec9', '#1098ad', '#f08c00', '#c2255c', '#5c940d', '#7048e8', '#0b7285'];

export function colorFor(index: number): string {
  return PALETTE[index % PALETTE.length];
}
