using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Cavra.Gate.Configuration;
using Cavra.Gate.Parity;
using Cavra.Gate.Readiness;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Evidence
{
    /// <summary>
    /// The <c>go_promotion_parity_report</c> check (docs/design/measured-parity.md, "The gate check"): when promotion
    /// evidence names a parity report, that report must be the file the evidence was authored from (same SHA-256), pass,
    /// have measured the configured runtime binary and compiled policy, and be recent. With
    /// <c>CAVRA_GO_REQUIRE_PARITY_REPORT=true</c> promoted mode also requires evidence to name one. Evidence without a
    /// report, and no requirement, adds no check: the promotion report is then exactly upstream's.
    /// </summary>
    public static class ParityReportCheck
    {
        public const string Id = "go_promotion_parity_report";
        public const string NotNamedMessage = "promotion evidence names no parity report, and CAVRA_GO_REQUIRE_PARITY_REPORT requires one";
        public const string MissingMessage = "the parity report is missing or unreadable";
        public const string TamperedMessage = "the parity report does not hash to the parity_report_sha256 the evidence records: it was changed after the evidence was authored";
        public const string DifferentRuntimeMessage = "the parity report measured a different runtime binary than the configured one";
        public const string DifferentPolicyMessage = "the parity report measured a different compiled policy than the configured one";

        /// <summary>The check, or null when the evidence names no report and none is required.</summary>
        public static ReadinessCheck? Evaluate(GateContext context, PromotionEvidence evidence)
        {
            if (context == null) throw new ArgumentNullException(nameof(context));
            if (evidence == null) throw new ArgumentNullException(nameof(evidence));
            var config = context.Config;
            bool required = config.RequireParityReport && config.Mode == BackendMode.Promoted;
            string? written = evidence.ParityReportPath;
            if (string.IsNullOrEmpty(written))
            {
                if (!required) return null;
                return new ReadinessCheck(Id, false, NotNamedMessage, ("path", ""), ("report_status", ""));
            }

            var problems = new List<string>();
            string path = Locate(context, written!);
            string expected = evidence.ParityReportSha256 ?? "";
            string? actual = context.Files.Sha256(path);
            var document = context.Files.ReadObject(path);
            ParityReport? report = null;
            if (actual == null || !document.Valid) problems.Add(MissingMessage + (document.Valid ? "" : ": " + document.Message));
            else
            {
                if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase)) problems.Add(TamperedMessage);
                if (!ParityReport.TryParse(document.Payload, out report, out var error))
                    problems.Add($"the parity report is not a valid {ParityReport.Schema} document: {error}");
            }

            if (report != null)
            {
                string status = Text(document.Payload, "status");
                if (status != "pass")
                {
                    var reasons = document.Payload.Get("reasons") is Json.JsonArray list ? list.Items : new List<Json.JsonValue>();
                    var texts = new List<string>();
                    foreach (var r in reasons) if (r is Json.JsonString s) texts.Add(s.Value);
                    problems.Add($"the parity report's status is {(status.Length == 0 ? "missing" : status)}" + (texts.Count > 0 ? ": " + string.Join("; ", texts) : ""));
                }
                Bound(context, config.RuntimePath, "CAVRA_GO_RUNTIME_PATH", "runtime binary", Text(document.Payload, "runtime_sha256"), DifferentRuntimeMessage, problems);
                Bound(context, config.PolicyPath, "CAVRA_GO_RUNTIME_POLICY", "compiled policy", Text(document.Payload, "policy_sha256"), DifferentPolicyMessage, problems);
                Fresh(context, report.WindowEnd, config.ParityMaxAgeDays, problems);
            }

            bool passed = problems.Count == 0;
            string message = passed
                ? string.Format(CultureInfo.InvariantCulture,
                    "The parity report is intact and passed: {0} samples, mismatch rate upper bound {1}, measured with the configured runtime and policy.",
                    report!.SampleSize, PythonFloat.Repr(report.MismatchRateUpperBound))
                : string.Join("; ", problems);
            return new ReadinessCheck(Id, passed, message,
                ("path", written),
                ("parity_report_sha256", expected),
                ("report_status", report == null ? "" : CanonicalName.Of(report.Status)),
                ("sample_size", report?.SampleSize),
                ("mismatch_rate_upper_bound", report?.MismatchRateUpperBound),
                ("window_end", report?.WindowEnd),
                ("max_age_days", config.ParityMaxAgeDays));
        }

        /// <summary>A relative report path is relative to the evidence file that names it, so evidence and report move together.</summary>
        private static string Locate(GateContext context, string written)
        {
            if (Path.IsPathRooted(written)) return written;
            string evidence = context.Config.PromotionEvidencePath;
            if (evidence.Length == 0) return written;
            string? folder = Path.GetDirectoryName(context.Files.Resolve(evidence));
            return string.IsNullOrEmpty(folder) ? written : Path.Combine(folder, written);
        }

        private static void Bound(GateContext context, string configuredPath, string variable, string what, string measured, string mismatch, List<string> problems)
        {
            if (measured.Length == 0) { problems.Add($"the parity report does not name the {what} it measured"); return; }
            if (configuredPath.Length == 0) { problems.Add($"the parity report's {what} cannot be verified: {variable} is not configured"); return; }
            string? actual = context.Files.Sha256(configuredPath);
            if (actual == null) problems.Add($"the parity report's {what} cannot be verified: the {what} is missing or unreadable");
            else if (!string.Equals(actual, measured, StringComparison.OrdinalIgnoreCase)) problems.Add(mismatch);
        }

        private static void Fresh(GateContext context, DateTimeOffset? windowEnd, double maxAgeDays, List<string> problems)
        {
            if (double.IsNaN(maxAgeDays) || maxAgeDays <= 0)
            {
                problems.Add("CAVRA_GO_PARITY_MAX_AGE_DAYS is not a positive number, so the parity report's age cannot be accepted");
                return;
            }
            if (!windowEnd.HasValue) { problems.Add("the parity report has no window_end: it measured no evaluation"); return; }
            var now = context.Clock.GetUtcNow();
            if (windowEnd.Value > now + PromotionEvidence.MaxFutureSkew)
                problems.Add("the parity report's window_end is in the future");
            else if ((now - windowEnd.Value).TotalDays > maxAgeDays)
                problems.Add(string.Format(CultureInfo.InvariantCulture,
                    "the parity report is stale: its window ended {0:0.#} days ago, more than CAVRA_GO_PARITY_MAX_AGE_DAYS ({1})",
                    (now - windowEnd.Value).TotalDays, PythonFloat.Repr(maxAgeDays)));
        }

        private static string Text(Json.JsonObject o, string key) => o.Get(key) is Json.JsonString s ? s.Value : "";
    }
}
