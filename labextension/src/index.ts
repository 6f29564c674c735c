/**
 * minitron-labextension: MIME renderers for minitron's display bundles (live loss plot, importance heatmaps, plan
 * editor) and, when no other extension provides it, a plotly renderer. One plugin adds the factories to the
 * application's rendermime registry so the plan editor can reach its notebook's (or console's) kernel.
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IConsoleTracker } from '@jupyterlab/console';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { Kernel } from '@jupyterlab/services';
import { ImportanceRenderer, LossPlotRenderer, PlotlyRenderer } from './figure_widgets.js';
import { ComparisonRenderer } from './compare_widget.js';
import { MIME } from './mime.js';
import { PlanEditorRenderer } from './plan_editor.js';
import type { PlanEditorContext } from './plan_editor.js';

/** Rank of the minitron renderers (lower wins over text/html and text/plain fallbacks). */
const RANK = 10;

function factory(mime: string, create: (o: IRenderMime.IRendererOptions) => IRenderMime.IRenderer, rank = RANK): IRenderMime.IRendererFactory {
  return { safe: true, mimeTypes: [mime], defaultRank: rank, createRenderer: create };
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'minitron-labextension:renderers',
  description: 'minitron renderers: loss plot, importance heatmaps, plan editor (comm minitron.plan), run comparison',
  autoStart: true,
  requires: [IRenderMimeRegistry],
  optional: [INotebookTracker, IConsoleTracker],
  activate: (app: JupyterFrontEnd, rendermime: IRenderMimeRegistry, notebooks: INotebookTracker | null, consoles: IConsoleTracker | null) => {
    const ctx: PlanEditorContext = {
      // The kernel of the notebook or console that shows the output; an output view detached from its notebook
      // ("Create New View for Output") falls back to the current notebook.
      kernelFor(node: HTMLElement): Kernel.IKernelConnection | null {
        const host = notebooks?.find((p) => p.node.contains(node)) ?? consoles?.find((c) => c.node.contains(node)) ?? notebooks?.currentWidget ?? null;
        return host?.sessionContext.session?.kernel ?? null;
      },
    };
    rendermime.addFactory(factory(MIME.trainHistory, (o) => new LossPlotRenderer(o)), RANK);
    rendermime.addFactory(factory(MIME.importance, (o) => new ImportanceRenderer(o)), RANK);
    rendermime.addFactory(factory(MIME.plan, (o) => new PlanEditorRenderer(o, ctx)), RANK);
    rendermime.addFactory(factory(MIME.comparison, (o) => new ComparisonRenderer(o)), RANK);
    const plotlyTaken = rendermime.mimeTypes.includes(MIME.plotly);
    if (!plotlyTaken) rendermime.addFactory(factory(MIME.plotly, (o) => new PlotlyRenderer(o), 0), 0);
    console.debug(`minitron-labextension: renderers registered${plotlyTaken ? ` (${MIME.plotly} left to the extension that provides it)` : ` (+ ${MIME.plotly})`} in ${app.name}`);
  },
};

export default [plugin];
