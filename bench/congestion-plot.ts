// The congestion bench's plots (issue 12): per fleet size, arrivals per ms at the manager over time, one line per
// reply scheme, one panel per address layout (loopback, default receive buffer; a scheme that ignores addresses,
// layout 'any', is drawn in every panel). Drawn with Vega-Lite, rendered to SVG by Vega in Node (no browser, no
// canvas).
import * as vega from 'vega';
import * as vl from 'vega-lite';

/** A row as the bench writes it: the fields the plot reads. */
export interface PlotRow {
  scheme: string;
  n: number;
  layout: string;
  rcvbuf: string;
  network: string;
  arrivalsPerMs: { binMs: number; counts: number[] };
}

/** The points of one row's line in one panel: time (ms since the first send) and arrivals per ms in that bin. */
function points(row: PlotRow, layout: string): { scheme: string; layout: string; ms: number; perMs: number }[] {
  const { binMs, counts } = row.arrivalsPerMs;
  return counts.map((c, i) => ({ scheme: row.scheme, layout, ms: i * binMs, perMs: c / binMs }));
}

/** The SVG for fleet size `n`, from the loopback, default-buffer rows of that size. */
export async function arrivalsSvg(rows: readonly PlotRow[], n: number): Promise<string> {
  const chosen = rows.filter((r) => r.n === n && r.network === 'loopback' && r.rcvbuf === 'default');
  const layouts = [...new Set(chosen.map((r) => r.layout).filter((l) => l !== 'any'))];
  const panels = layouts.length > 0 ? layouts : ['any'];
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${n.toLocaleString('en')} RMCs answering one Prepare: arrivals per ms at the manager (loopback, default receive buffer)`,
    data: { values: chosen.flatMap((r) => (r.layout === 'any' ? panels : [r.layout]).flatMap((layout) => points(r, layout))) },
    facet: { row: { field: 'layout', type: 'nominal', title: 'address layout' } },
    spec: {
      width: 720,
      height: 160,
      mark: { type: 'line', strokeWidth: 1, interpolate: 'step-after' },
      encoding: {
        x: { field: 'ms', type: 'quantitative', title: 'ms since the Prepare was sent' },
        y: { field: 'perMs', type: 'quantitative', title: 'replies per ms' },
        color: { field: 'scheme', type: 'nominal', title: 'reply scheme' },
      },
    },
    resolve: { scale: { x: 'independent' } },
  };
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
