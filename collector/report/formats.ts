/**
 * The report's file formats, alone in a module without the renderers: the command line names
 * them when it starts, before (and often without) loading PDF, chart and HTML code.
 */

/** The formats the CLI writes. */
export const FORMATS = ["json", "csv", "html", "pdf"] as const;
/** One of {@link FORMATS}. */
export type Format = (typeof FORMATS)[number];
