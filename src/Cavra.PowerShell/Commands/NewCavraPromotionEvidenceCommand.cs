using System;
using System.Management.Automation;
using Cavra.Gate.Authoring;
using Cavra.Gate.Configuration;
using Cavra.Gate.Evidence;
using Cavra.Gate.Json;
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
        [Parameter(Mandatory = true, ParameterSetName = ExpiresAtSet)] public DateTimeOffset ExpiresAt { get; set; }
        [Parameter] [ValidateNotNullOrEmpty] public string RuntimePath { get; set; } = "";
        [Parameter] [ValidateNotNullOrEmpty] public string PolicyPath { get; set; } = "";

        protected override void EndProcessing()
        {
            if (ValidFor <= TimeSpan.Zero) { Reject("-ValidFor must be a positive duration.", ValidFor); return; }
            var config = GateConfig.Resolve(new GateParameters
            {
                RuntimePath = Bound(nameof(RuntimePath), RuntimePath),
                PolicyPath = Bound(nameof(PolicyPath), PolicyPath),
            }, Environment.GetEnvironmentVariable);
            var files = Files;
            string? runtimeHash = files.Sha256(config.RuntimePath), policyHash = files.Sha256(config.PolicyPath);
            if (runtimeHash == null || policyHash == null)
            {
                string which = runtimeHash == null ? $"runtime binary '{config.RuntimePath}' (-RuntimePath or CAVRA_GO_RUNTIME_PATH)" : $"compiled policy '{config.PolicyPath}' (-PolicyPath or CAVRA_GO_RUNTIME_POLICY)";
                WriteError(new ErrorRecord(new System.IO.FileNotFoundException("Promotion evidence is bound to the files it was produced for; cannot read the " + which + "."),
                    "BoundFileNotFound", ErrorCategory.ObjectNotFound, which));
                return;
            }

            var now = ModuleClock.Current.UtcNow;
            var document = new EvidenceDocument()
                .Add("schema_version", PromotionEvidence.Schema)
                .Add("parity_status", ParityStatus)
                .Add("deployment_status", DeploymentStatus)
                .Add("approved", Approved.IsPresent)
                .AddIfSet("approval_id", ApprovalId)
                .Add("evidence_refs", EvidenceRef)
                .Add("generated_at", now)
                .Add("expires_at", ParameterSetName == ExpiresAtSet ? ExpiresAt : now + ValidFor)
                .Add("runtime_sha256", runtimeHash)
                .Add("policy_sha256", policyHash);

            string path = FullPath;
            var summary = PromotionEvidence.FromDocument(JsonFileCheck.Ok(document.ToJsonObject(), path), new GateContext(config, files, ModuleClock.Current));
            if (!summary.Valid) { Reject("The gate would reject this promotion evidence: " + summary.Message, path); return; }
            if (!summary.Approved) WriteWarning("The evidence is not approved: promotion stays closed until it is (-Approved -ApprovalId).");
            if (TryWrite(path, document, "promotion evidence"))
                WriteObject(new AuthoredEvidence(path, PromotionEvidence.Schema, summary.Valid, summary.Message, summary));
        }

        private string? Bound(string name, string value) =>
            MyInvocation.BoundParameters.ContainsKey(name) ? SessionState.Path.GetUnresolvedProviderPathFromPSPath(value) : null;
    }
}
