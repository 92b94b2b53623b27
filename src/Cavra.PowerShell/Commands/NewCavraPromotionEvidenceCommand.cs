using System;
using System.Management.Automation;
using Cavra.Gate.Authoring;
using Cavra.Gate.Configuration;
using Cavra.Gate.Evidence;
using Cavra.Gate.Parity;
using Cavra.Gate.Readiness;
using Cavra.Gate.Serialization;
using Cavra.PowerShell.Infrastructure;

namespace Cavra.PowerShell.Commands
{
    /// <summary>Writes cavra.go-backend-promotion-evidence.v1, bound to the runtime binary and compiled policy by SHA-256 and
    /// valid until an expiry; validated by the gate before it is written.</summary>
    [Cmdlet(VerbsCommon.New, "CavraPromotionEvidence", SupportsShouldProcess = true, DefaultParameterSetName = ValidForSet)]
    [OutputType(typeof(AuthoredEvidence))]
    public sealed class NewCavraPromotionEvidenceCommand : EvidenceAuthoringCmdlet
    {
        private const string ValidForSet = "ValidFor";
        private const string ExpiresAtSet = "ExpiresAt";

        /// <summary>Typed by hand; with -ParityReportPath it is taken from the report instead (and must agree if given).</summary>
        [Parameter] [ValidateSet("pass", "fail")] public string ParityStatus { get; set; } = "";
        /// <summary>A parity report (Measure-CavraGoParity -OutFile): parity_status, an evidence ref and the report's SHA-256 come from it.</summary>
        [Parameter] [ValidateNotNullOrEmpty] public string ParityReportPath { get; set; } = "";
        [Parameter(Mandatory = true)] [ValidateSet("ready", "not_ready")] public string DeploymentStatus { get; set; } = "";
        [Parameter] public SwitchParameter Approved { get; set; }
        [Parameter] [ValidateNotNullOrEmpty] public string ApprovalId { get; set; } = "";
        [Parameter] [ValidateNotNullOrEmpty] public string[] EvidenceRef { get; set; } = Array.Empty<string>();
        [Parameter(ParameterSetName = ValidForSet)] public TimeSpan ValidFor { get; set; } = TimeSpan.FromDays(30);
        [Parameter(Mandatory = true, ParameterSetName = ExpiresAtSet)] [TimestampTransformation] public DateTimeOffset ExpiresAt { get; set; }
        [Parameter] [ValidateNotNullOrEmpty] public string RuntimePath { get; set; } = "";
        [Parameter] [ValidateNotNullOrEmpty] public string PolicyPath { get; set; } = "";
        /// <summary>A settings file (the same JSON as Start-CavraReadinessApi -SettingsPath; default CAVRA_GO_SETTINGS).</summary>
        [Parameter] [ValidateGateSetting(nameof(SettingsPath))] public string SettingsPath { get; set; } = null!;

        protected override void EndProcessing()
        {
            if (ParameterSetName == ValidForSet && ValidFor <= TimeSpan.Zero)
            {
                WriteError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(ValidFor), ValidFor, "-ValidFor must be a positive duration."),
                    "InvalidValidFor", ErrorCategory.InvalidArgument, ValidFor));
                return;
            }
            var config = GateConfigurationCmdlet.ResolveConfig(this,
                GateConfigurationCmdlet.BoundSettings(this, GateSettings.RuntimePath, GateSettings.PolicyPath, GateSettings.SettingsPath));
            string path = FullPath;
            // The gate resolves a relative report path against the evidence file's folder; Promoted mode applies every check.
            var context = new GateContext(config.WithPromotionEvidence(path), Files, TimeProvider.System);
            var now = context.Clock.GetUtcNow();
            if (ParameterSetName == ValidForSet && ValidFor > DateTimeOffset.MaxValue - now)
            {
                WriteError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(ValidFor), ValidFor, $"-ValidFor reaches past the last representable date ({DateTimeOffset.MaxValue:yyyy-MM-dd}); give a shorter duration or -ExpiresAt."),
                    "InvalidValidFor", ErrorCategory.InvalidArgument, ValidFor));
                return;
            }
            var draft = new PromotionEvidenceDraft
            {
                // ValidateSet ignores case; the gate does not: "PASS" is written as "pass".
                ParityStatus = ParityStatus.ToLowerInvariant(), DeploymentStatus = DeploymentStatus.ToLowerInvariant(), Approved = Approved.IsPresent, ApprovalId = ApprovalId,
                EvidenceRefs = EvidenceRef, GeneratedAt = now, ExpiresAt = ParameterSetName == ExpiresAtSet ? ExpiresAt : now + ValidFor,
            };
            if (!TakeParityReport(draft, context, path)) return;
            string? unreadable = draft.BindTo(context);
            if (unreadable != null)
            {
                WriteError(new ErrorRecord(new System.IO.FileNotFoundException(
                        $"Promotion evidence is bound by SHA-256 to the runtime binary and compiled policy it was produced for, but {unreadable}. Give -RuntimePath and -PolicyPath, or set CAVRA_GO_RUNTIME_PATH and CAVRA_GO_RUNTIME_POLICY."),
                    "BoundFileNotFound", ErrorCategory.ObjectNotFound, unreadable));
                return;
            }
            WriteVerbose($"Bound to runtime {config.RuntimePath} (sha256 {draft.RuntimeSha256}) and policy {config.PolicyPath} (sha256 {draft.PolicySha256}).");

            var summary = draft.Validate(path, context);
            if (!summary.Valid) { Reject("The gate would reject this promotion evidence: " + summary.Message, path); return; }
            if (draft.ParityReportPath.Length > 0)
            {
                var check = ParityReportCheck.Evaluate(context, summary);
                if (check != null && !check.Passed) { Reject("The gate would reject this parity report: " + check.Message, ParityReportPath); return; }
            }
            if (!summary.Approved) WriteWarning("The evidence is not approved: promotion stays closed until it is (-Approved -ApprovalId).");
            else if (ApprovalId.Length == 0) WriteWarning("The evidence is approved without an approval id (-ApprovalId): the approval cannot be traced.");
            if (TryWrite(path, draft.ToDocument(), $"promotion evidence (expires {draft.ExpiresAt:u})"))
                WriteObject(new AuthoredEvidence(path, PromotionEvidence.Schema, summary.Valid, summary.Message, summary));
        }

        /// <summary>Fills parity_status, the evidence ref and the report binding from -ParityReportPath; false when refused.</summary>
        private bool TakeParityReport(PromotionEvidenceDraft draft, GateContext context, string evidencePath)
        {
            if (!MyInvocation.BoundParameters.ContainsKey(nameof(ParityReportPath)))
            {
                if (ParityStatus.Length > 0 && EvidenceRef.Length > 0) return true;
                WriteError(new ErrorRecord(new ArgumentException(ParityStatus.Length == 0
                        ? "Give -ParityReportPath (a report from Measure-CavraGoParity -OutFile) or -ParityStatus."
                        : "Give -EvidenceRef: typed parity evidence must say where it comes from."),
                    "ParityEvidenceRequired", ErrorCategory.InvalidArgument, null));
                return false;
            }
            string reportPath = FileSystemPaths.Resolve(this, ParityReportPath);
            if (!ParityReport.TryRead(context.Files, reportPath, out var report, out var sha256, out var error))
            {
                WriteError(new ErrorRecord(new System.IO.InvalidDataException($"{reportPath} is not a readable parity report: {error}"),
                    "ParityReportInvalid", ErrorCategory.InvalidData, reportPath));
                return false;
            }
            string status = CanonicalName.Of(report.Status);
            if (ParityStatus.Length > 0 && ParityStatus != status)
            {
                WriteError(new ErrorRecord(new ArgumentException($"-ParityStatus {ParityStatus} contradicts the parity report, whose status is {status}."),
                    "ParityStatusConflict", ErrorCategory.InvalidArgument, ParityStatus));
                return false;
            }
            draft.ParityStatus = status;
            draft.ParityReportPath = RelativeToEvidence(reportPath, evidencePath);
            draft.ParityReportSha256 = sha256;
            var refs = new System.Collections.Generic.List<string>(EvidenceRef) { ParityReportRef(sha256) };
            draft.EvidenceRefs = refs;
            WriteVerbose($"Parity {status} from {reportPath} (sha256 {sha256}): {report.SampleSize} samples, upper bound {PythonFloat.Repr(report.MismatchRateUpperBound)}.");
            return true;
        }

        /// <summary>The evidence ref that names a parity report by content.</summary>
        public static string ParityReportRef(string sha256) => "go-runtime-parity://report/sha256:" + sha256;

        /// <summary>Beside or below the evidence file: a relative path, so the two can move together; elsewhere: the full path.</summary>
        private static string RelativeToEvidence(string reportPath, string evidencePath)
        {
            string folder = System.IO.Path.GetDirectoryName(evidencePath) ?? "";
            if (folder.Length == 0) return reportPath;
            string prefix = folder.EndsWith(System.IO.Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? folder : folder + System.IO.Path.DirectorySeparatorChar;
            return reportPath.StartsWith(prefix, StringComparison.Ordinal) ? reportPath.Substring(prefix.Length) : reportPath;
        }
    }
}
