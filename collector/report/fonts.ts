import { existsSync } from "node:fs";

/**
 * The fonts the PDF and the chart images are drawn with. Both renderers take font files, not names,
 * and nothing may be downloaded at run time, so the report uses DejaVu Sans from the system
 * (Debian's fonts-dejavu-core, which poppler-utils and most desktops pull in anyway): wide Latin,
 * Greek and Cyrillic coverage and the same metrics on every machine, so the PDF's layout is stable.
 */

/** Regular and bold font files. */
export interface ReportFonts {
  readonly regular: string;
  readonly bold: string;
  /** The family name inside the files (what SVG text asks for). */
  readonly family: string;
}

const DIRS = [
  "/usr/share/fonts/truetype/dejavu", // Debian, Ubuntu
  "/usr/share/fonts/dejavu-sans-fonts", // Fedora
  "/usr/share/fonts/TTF", // Arch
  "/usr/share/fonts/dejavu",
];

let found: ReportFonts | undefined;

/** Finds DejaVu Sans, or throws naming the package to install. `MAILSLA_REPORT_FONT_DIR` overrides. */
export function reportFonts(): ReportFonts {
  if (found) return found;
  const dirs = process.env.MAILSLA_REPORT_FONT_DIR ? [process.env.MAILSLA_REPORT_FONT_DIR] : DIRS;
  for (const dir of dirs) {
    const regular = `${dir}/DejaVuSans.ttf`;
    const bold = `${dir}/DejaVuSans-Bold.ttf`;
    if (existsSync(regular) && existsSync(bold)) return (found = { regular, bold, family: "DejaVu Sans" });
  }
  throw new Error(
    `the report needs the DejaVu Sans fonts (DejaVuSans.ttf, DejaVuSans-Bold.ttf) in one of ${dirs.join(", ")}: ` +
      "install Debian's fonts-dejavu-core, or set MAILSLA_REPORT_FONT_DIR",
  );
}
