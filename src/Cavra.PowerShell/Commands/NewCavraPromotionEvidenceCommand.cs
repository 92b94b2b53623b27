using System;
using System.Management.Automation;
using Cavra.Gate.Authoring;
using Cavra.Gate.Configuration;
using Cavra.Gate.Evidence;
using Cavra.Gate.Readiness;
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

        [Parameter(Mandatory = true)] [ValidateSet("pass", "fail")] public string ParityStatus { get; set; } = "";
        [Parameter(Mandatory = true)] [ValidateSet("ready", "not_ready")] public string DeploymentStatus { get; set; } = "";
        [Parameter] public SwitchParameter Approved { get; set; }
        [Parameter] [ValidateNotNullOrEmpty] public string ApprovalId { get; set; } = "";
        [Parameter(Mandatory = true)] [ValidateNotNullOrEmpty] public string[] EvidenceRef { get; set; } = Array.Empty<string>();
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
            var context = new GateContext(config, Files, Cavra.Gate.Time.Clock.System);
            var now = context.Clock.UtcNow;
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
            string? unreadable = draft.BindTo(context);
            if (unreadable != null)
            {
                WriteError(new ErrorRecord(new System.IO.FileNotFoundException(
                        $"Promotion evidence is bound by SHA-256 to the runtime binary and compiled policy it was produced for, but {unreadable}. Give -RuntimePath and -PolicyPath, or set CAVRA_GO_RUNTIME_PATH and CAVRA_GO_RUNTIME_POLICY."),
                    "BoundFileNotFound", ErrorCategory.ObjectNotFound, unreadable));
                return;
            }
            WriteVerbose($"Bound to runtime {config.RuntimePath} (sha256 {draft.RuntimeSha256}) and policy {config.PolicyPath} (sha256 {draft.PolicySha256}).");

            string path = FullPath;
            var summary = draft.Validate(path, context);
            if (!summary.Valid) { Reject("The gate would reject this promotion evidence: " + summary.Message, path); return; }
            if (!summary.Approved) WriteWarning("The evidence is not approved: promotion stays closed until it is (-Approved -ApprovalId).");
            else if (ApprovalId.Length == 0) WriteWarning("The evidence is approved without an approval id (-ApprovalId): the approval cannot be traced.");
            if (TryWrite(path, draft.ToDocument(), $"promotion evidence (expires {draft.ExpiresAt:u})"))
                WriteObject(new AuthoredEvidence(path, PromotionEvidence.Schema, summary.Valid, summary.Message, summary));
        }

    }
}
