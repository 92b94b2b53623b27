using System;
using System.Management.Automation;
using Cavra.Gate.Authoring;
using Cavra.Gate.Configuration;
using Cavra.Gate.Evidence;
using Cavra.PowerShell.Infrastructure;

namespace Cavra.PowerShell.Commands
{
    /// <summary>Writes cavra.go-backend-rollback-rehearsal.v1, linked to a rollback plan's approval id and recovery limit.</summary>
    [Cmdlet(VerbsCommon.New, "CavraRollbackRehearsal", SupportsShouldProcess = true)]
    [OutputType(typeof(AuthoredEvidence))]
    public sealed class NewCavraRollbackRehearsalCommand : EvidenceAuthoringCmdlet
    {
        /// <summary>The rollback plan this rehearsal exercised (default: CAVRA_GO_ROLLBACK_PLAN): its approval id is linked and its recovery limit applies.</summary>
        [Parameter] [ValidateNotNullOrEmpty] public string RollbackPlanPath { get; set; } = "";
        /// <summary>Where the default plan is found: an evidence directory holding cavra-runtime.go-backend-rollback-plan.json (default CAVRA_GO_EVIDENCE_DIR).</summary>
        [Parameter] [ValidateGateSetting(nameof(EvidenceDirectory))] public string EvidenceDirectory { get; set; } = null!;
        /// <summary>A settings file (the same JSON as Start-CavraReadinessApi -SettingsPath; default CAVRA_GO_SETTINGS).</summary>
        [Parameter] [ValidateGateSetting(nameof(SettingsPath))] public string SettingsPath { get; set; } = null!;
        [Parameter(Mandatory = true)] [ValidateSet("pass", "fail")] public string Status { get; set; } = "";
        [Parameter] public SwitchParameter Simulated { get; set; }
        [Parameter] public SwitchParameter FallbackVerified { get; set; }
        [Parameter(Mandatory = true)] [ValidateRange(0.001, 100000)] public double RecoveryMinutes { get; set; }
        [Parameter] [ValidateRange(0.001, 100000)] public double MaxRecoveryMinutes { get; set; }
        [Parameter(Mandatory = true)] [ValidateNotNullOrEmpty] public string RunbookRef { get; set; } = "";
        [Parameter(Mandatory = true)] [ValidateNotNullOrEmpty] public string[] EvidenceRef { get; set; } = Array.Empty<string>();

        protected override void EndProcessing()
        {
            string planPath = GateConfigurationCmdlet.ResolveConfig(this, GateConfigurationCmdlet.BoundSettings(this,
                GateSettings.RollbackPlanPath, GateSettings.EvidenceDirectory, GateSettings.SettingsPath)).RollbackPlanPath;
            var plan = RollbackPlan.Read(Files, planPath);
            if (!plan.Valid)
            {
                string why = planPath.Length == 0 ? "no rollback plan is given (-RollbackPlanPath or CAVRA_GO_ROLLBACK_PLAN)"
                    : $"the rollback plan {planPath} is not valid: {RollbackPlanDraft.Problems(plan)}";
                WriteError(new ErrorRecord(new EvidenceRejectedException("A rehearsal is linked to a valid rollback plan; " + why),
                    "RollbackPlanInvalid", ErrorCategory.InvalidData, planPath));
                return;
            }
            WriteVerbose($"Linked to rollback plan {planPath} (approval id '{plan.ApprovalId}', max_recovery_minutes {plan.MaxRecoveryMinutes}).");

            var draft = new RollbackRehearsalDraft
            {
                Status = Status.ToLowerInvariant(), Simulated = Simulated.IsPresent, FallbackVerified = FallbackVerified.IsPresent, RecoveryMinutes = RecoveryMinutes,
                MaxRecoveryMinutes = MyInvocation.BoundParameters.ContainsKey(nameof(MaxRecoveryMinutes)) ? MaxRecoveryMinutes : (double?)null,
                RunbookRef = RunbookRef, EvidenceRefs = EvidenceRef,
            };
            string path = FullPath;
            var rehearsal = draft.Validate(path, plan);
            if (!rehearsal.Valid) { Reject("The gate would reject this rollback rehearsal: " + RollbackRehearsalDraft.Problems(rehearsal), path); return; }
            if (TryWrite(path, draft.ToDocument(plan), "rollback rehearsal"))
                WriteObject(new AuthoredEvidence(path, RollbackRehearsal.Schema, rehearsal.Valid, rehearsal.Message, rehearsal));
        }
    }
}
