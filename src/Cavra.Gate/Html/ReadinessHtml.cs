using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Text;
using Cavra.Gate.Readiness;
using Cavra.Gate.Authoring;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;
using Cavra.Gate.Time;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Html
{
    /// <summary>What goes around the verdict in an HTML readiness report.</summary>
    public sealed class ReadinessHtmlOptions
    {
        /// <summary>The page heading, e.g. the change reference ("CHG-1042: Go backend promotion").</summary>
        public string Title { get; set; } = "Go backend promotion readiness";
        /// <summary>Who produced the file, shown in the footer (e.g. "Cavra.PowerShell 0.1.0").</summary>
        public string Generator { get; set; } = "Cavra.Gate";
    }

    /// <summary>
    /// Renders a gate verdict as one self-contained HTML page for a change-advisory board: the verdict, every gate step
    /// and every check with its status, message and details. Inline CSS only: no script, no external resource, no link,
    /// and a Content-Security-Policy that forbids them, so the file reads the same offline, in a mail client or in an
    /// archive. Every piece of evidence text is HTML-encoded: evidence files are untrusted input.
    /// </summary>
    public static class ReadinessHtml
    {
        private const string Css = @"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px; font: 14px/1.45 -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif; color: #1b1f24; background: #f6f7f9; }
main { max-width: 1100px; margin: 0 auto; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 8px; }
h3 { font-size: 15px; margin: 16px 0 6px; color: #3a4350; }
.subtitle { color: #57606a; margin: 0 0 20px; }
section { background: #fff; border: 1px solid #d8dee4; border-radius: 6px; padding: 16px 20px; margin: 0 0 16px; page-break-inside: avoid; }
.verdict { border-left: 8px solid #8c959f; }
.verdict.go { border-left-color: #1a7f37; }
.verdict.blocked { border-left-color: #cf222e; }
.verdict.passed { border-left-color: #9a6700; }
.headline { font-size: 20px; font-weight: 700; margin: 0 0 6px; }
.summary { margin: 0 0 12px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dt { color: #57606a; }
dd { margin: 0; }
table { width: 100%; border-collapse: collapse; margin: 4px 0 0; table-layout: auto; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid #eaeef2; }
th { background: #f6f8fa; font-weight: 600; color: #3a4350; }
td.id, td.details, .id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
td.id { white-space: nowrap; }
td.details { color: #3a4350; white-space: pre-wrap; word-break: break-all; }
.badge { display: inline-block; min-width: 64px; text-align: center; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 700; letter-spacing: .02em; }
.pass { background: #dafbe1; color: #116329; }
.fail { background: #ffebe9; color: #a40e26; }
.warn { background: #fff8c5; color: #7d4e00; }
.skip { background: #eaeef2; color: #424a53; }
tr.failing td { background: #fff5f5; }
.notes { color: #57606a; margin: 8px 0 0 18px; padding: 0; }
footer { color: #57606a; font-size: 12px; margin-top: 8px; }
@media print { body { background: #fff; padding: 0; } section { border-color: #999; } }
";

        /// <summary>The whole document (UTF-8 text, no byte-order mark needed: the charset is declared).</summary>
        public static string Render(GateVerdict verdict, ReadinessHtmlOptions? options = null) =>
            Render(ReportedVerdict.From(verdict ?? throw new ArgumentNullException(nameof(verdict))), options);

        /// <summary>The whole document for a verdict received from a job, remoting or Import-Clixml.</summary>
        public static string Render(ReportedVerdict verdict, ReadinessHtmlOptions? options = null)
        {
            if (verdict == null) throw new ArgumentNullException(nameof(verdict));
            options ??= new ReadinessHtmlOptions();
            var h = new StringBuilder(16 * 1024);
            string title = string.IsNullOrWhiteSpace(options.Title) ? new ReadinessHtmlOptions().Title : options.Title;

            h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n");
            h.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\" />\n");
            h.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n");
            h.Append("<meta name=\"generator\" content=\"").Append(Encode(options.Generator)).Append("\" />\n");
            h.Append("<title>").Append(Encode(title)).Append("</title>\n<style>").Append(Css).Append("</style>\n</head>\n<body>\n<main>\n");

            h.Append("<h1>").Append(Encode(title)).Append("</h1>\n");
            h.Append("<p class=\"subtitle\">CAVRA Go backend promotion gate, evaluated ").Append(Encode(Timestamp(verdict.EvaluatedAt))).Append("</p>\n");

            WriteVerdict(h, verdict);
            WriteBlocking(h, verdict);
            WriteStepOverview(h, verdict);
            foreach (var step in verdict.Steps) WriteStep(h, step);

            h.Append("<footer>Generated by ").Append(Encode(options.Generator)).Append(" from verdict schema ")
                .Append(Encode(GateVerdict.Schema)).Append(". The report is a snapshot of the evidence files at evaluation time; ")
                .Append("re-run the gate before acting on it later.</footer>\n");
            h.Append("</main>\n</body>\n</html>\n");
            return h.ToString();
        }

        /// <summary>
        /// Writes <see cref="Render"/> to <paramref name="path"/> (UTF-8, no BOM), creating its folder, with the evidence
        /// writer's safe write: a temporary file beside the target, flushed, then moved over it. A reader never sees half a report.
        /// </summary>
        /// <exception cref="TargetFileExistsException"><paramref name="overwrite"/> is false and the file exists.</exception>
        /// <exception cref="FileSystem.NotARegularFileException">The target is not a regular file; it is never replaced.</exception>
        public static void Save(string path, GateVerdict verdict, ReadinessHtmlOptions? options = null, bool overwrite = true) =>
            AtomicFileWriter.WriteText(path, Render(verdict, options), overwrite);

        /// <inheritdoc cref="Save(string, GateVerdict, ReadinessHtmlOptions?, bool)"/>
        public static void Save(string path, ReportedVerdict verdict, ReadinessHtmlOptions? options = null, bool overwrite = true) =>
            AtomicFileWriter.WriteText(path, Render(verdict, options), overwrite);

        private static void WriteVerdict(StringBuilder h, ReportedVerdict v)
        {
            string cls = v.GoSelected ? "go" : v.GatePassed ? "passed" : "blocked";
            string headline = v.GoSelected ? "GO: promoted mode selects the Go runtime"
                : v.GatePassed ? "GATE PASSES: the configured mode keeps the built-in .NET backend"
                : "NO GO: the built-in .NET backend stays authoritative";
            h.Append("<section class=\"verdict ").Append(cls).Append("\" id=\"verdict\">\n");
            h.Append("<h2>Verdict</h2>\n<p class=\"headline\">").Append(Encode(headline)).Append("</p>\n");
            h.Append("<p class=\"summary\">").Append(Encode(v.Summary)).Append("</p>\n<dl>\n");
            Term(h, "Configured mode", v.Mode);
            Term(h, "Gate passed", v.GatePassed ? "yes" : "no");
            Term(h, "Go selected", v.GoSelected ? "yes" : "no");
            Term(h, "Selected backend", v.SelectedBackend);
            if (!v.GatePassed)
            {
                Term(h, "First failing step", v.FailedStep);
                Term(h, "Fallback reason", v.FallbackReason);
            }
            Term(h, "Drill schedule in gate", v.ScheduleInGate ? "yes" : "no (no drill schedule is configured)");
            Term(h, "Evaluated at", Timestamp(v.EvaluatedAt));
            h.Append("</dl>\n</section>\n");
        }

        private static void WriteBlocking(StringBuilder h, ReportedVerdict v)
        {
            if (v.GatePassed) return;
            h.Append("<section id=\"blocking\">\n<h2>Blocking checks (step ").Append(Encode(v.FailedStep)).Append(")</h2>\n");
            CheckTable(h, v.BlockingChecks);
            h.Append("</section>\n");
        }

        private static void WriteStepOverview(StringBuilder h, ReportedVerdict v)
        {
            h.Append("<section id=\"steps\">\n<h2>Gate steps</h2>\n<table>\n<thead><tr><th>#</th><th>Step</th><th>Result</th><th>Report status</th><th>Checks not passing</th></tr></thead>\n<tbody>\n");
            foreach (var s in v.Steps)
            {
                int notPassing = 0, total = 0;
                foreach (var r in s.Sections) foreach (var c in r.Checks) { total++; if (!c.Passed) notPassing++; }
                h.Append(s.Blocking ? "<tr class=\"failing\">" : "<tr>");
                Cell(h, s.Order.ToString(CultureInfo.InvariantCulture));
                h.Append("<td><strong>").Append(Encode(s.Title)).Append("</strong><br /><span class=\"id\">").Append(Encode(s.Name)).Append("</span></td>");
                h.Append("<td>").Append(StepBadge(s)).Append("</td>");
                Cell(h, s.Status);
                Cell(h, notPassing.ToString(CultureInfo.InvariantCulture) + " of " + total.ToString(CultureInfo.InvariantCulture));
                h.Append("</tr>\n");
            }
            h.Append("</tbody>\n</table>\n</section>\n");
        }

        private static void WriteStep(StringBuilder h, ReportedStep s)
        {
            h.Append("<section id=\"step-").Append(Encode(s.Name)).Append("\">\n<h2>")
                .Append(s.Order.ToString(CultureInfo.InvariantCulture)).Append(". ").Append(Encode(s.Title)).Append(' ')
                .Append(StepBadge(s)).Append("</h2>\n");
            if (!s.InGate) h.Append("<p>Not part of the gate: no rollback drill schedule is configured. Shown for information.</p>\n");
            else if (s.Blocking) h.Append("<p>This step blocks promotion: ").Append(Encode(s.Reason)).Append(".</p>\n");
            foreach (var report in s.Sections)
            {
                h.Append("<h3>").Append(Encode(report.Section)).Append(" report: ").Append(Encode(report.Status))
                    .Append(" <span class=\"id\">(").Append(Encode(report.SchemaVersion)).Append(")</span></h3>\n");
                CheckTable(h, report.Checks);
            }
            h.Append("</section>\n");
        }

        private static void CheckTable(StringBuilder h, IReadOnlyList<ReportedCheck> checks)
        {
            h.Append("<table>\n<thead><tr><th>Status</th><th>Check</th><th>Message</th><th>Details</th></tr></thead>\n<tbody>\n");
            foreach (var c in checks)
            {
                h.Append(c.Blocking ? "<tr class=\"failing\">" : "<tr>");
                // Upstream's status is pass/warn; people read a blocking check as FAIL and an advisory one as WARN.
                h.Append("<td>").Append(c.Outcome == CheckOutcome.Pass ? Badge("pass", "PASS") : c.Outcome == CheckOutcome.Warn ? Badge("warn", "WARN") : Badge("fail", "FAIL")).Append("</td>");
                h.Append("<td class=\"id\">").Append(Encode(c.Id)).Append("</td>");
                Cell(h, c.Message);
                h.Append("<td class=\"details\">").Append(Encode(c.Details)).Append("</td>");
                h.Append("</tr>\n");
            }
            h.Append("</tbody>\n</table>\n");
        }

        private static string StepBadge(ReportedStep s) =>
            !s.InGate ? Badge("skip", "NOT IN GATE") : s.Passed ? Badge("pass", "PASS") : Badge("fail", "BLOCKS");

        private static string Badge(string cls, string text) => "<span class=\"badge " + cls + "\">" + text + "</span>";

        private static void Term(StringBuilder h, string term, string value) =>
            h.Append("<dt>").Append(Encode(term)).Append("</dt><dd>").Append(Encode(value)).Append("</dd>\n");

        private static void Cell(StringBuilder h, string text) => h.Append("<td>").Append(Encode(text)).Append("</td>");

        private static string Timestamp(DateTimeOffset t) =>
            t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

        /// <summary>HTML-encodes text for element content and quoted attributes; control characters other than tab and
        /// newline become U+FFFD so no evidence text can make the document malformed.</summary>
        internal static string Encode(string? text)
        {
            if (string.IsNullOrEmpty(text)) return "";
            var sb = new StringBuilder(text!.Length);
            foreach (char c in text)
                sb.Append(c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7F ? '\uFFFD' : c);
            return WebUtility.HtmlEncode(sb.ToString());
        }
    }
}
