using System;
using System.Management.Automation;
using Cavra.Gate.Authoring;
using Cavra.Gate.Evidence;
using Cavra.Gate.Json;
using Cavra.PowerShell.Infrastructure;

namespace Cavra.PowerShell.Commands
{
    /// <summary>Writes cavra.go-backend-rollback-rehearsal.v1, linked to a rollback plan's approval id and recovery limit.</summary>
    [Cmdlet(VerbsCommon.New, "CavraRollbackRehearsal", SupportsShouldProcess = true)]
    [OutputType(typeof(AuthoredEvidence))]
    public sealed class NewCavraRollbackRehearsalCommand : EvidenceAuthoringCmdlet
    {
        /// <summary>The rollback plan this rehearsal exercised: its approval id is linked and its recovery limit applies.</summary>
        [Parameter(Mandatory = true)] [ValidateNotNullOrEmpty] public string RollbackPlanPath { get; set; } = "";
        [Parameter(Mandatory = true)] [ValidateSet("pass", "fail")] public string Status { get; set; } = "";
        [Parameter] public SwitchParameter Simulated { get; set; }
        [Parameter] public SwitchParameter FallbackVerified { get; set; }
        [Parameter(Mandatory = true)] [ValidateRange(0.001, 100000)] public double RecoveryMinutes { get; set; }
        [Parameter] [ValidateRange(0.001, 100000)] public double MaxRecoveryMinutes { get; set; }
        [Parameter(Mandatory = true)] [ValidateNotNullOrEmpty] public string RunbookRef { get; set; } = "";
        [Parameter(Mandatory = true)] [ValidateNotNullOrEmpty] public string[] EvidenceRef { get; set; } = Array.Empty<string>();

        protected override void EndProcessing()
        {
            var files = Files;
            var planPath = SessionState.Path.GetUnresolvedProviderPathFromPSPath(RollbackPlanPath);
            var plan = RollbackPlan.Read(files, planPath);
            if (!plan.Valid) { Reject($"The rollback plan {planPath} is not valid: {plan.Message}", planPath); return; }

            double max = MyInvocation.BoundParameters.ContainsKey(nameof(MaxRecoveryMinutes)) ? MaxRecoveryMinutes : plan.MaxRecoveryMinutes ?? 0;
            var document = new EvidenceDocument()
                .Add("schema_version", RollbackRehearsal.Schema)
                .Add("status", Status)
                .Add("plan_approval_id", plan.ApprovalId)
                .Add("simulated", Simulated.IsPresent)
                .Add("fallback_verified", FallbackVerified.IsPresent)
                .Add("recovery_minutes", RecoveryMinutes)
                .Add("max_recovery_minutes", max)
                .Add("runbook_ref", RunbookRef)
                .Add("evidence_refs", EvidenceRef);
            string path = FullPath;
            var rehearsal = RollbackRehearsal.FromDocument(JsonFileCheck.Ok(document.ToJsonObject(), path), plan);
            if (!rehearsal.Valid) { Reject("The gate would reject this rollback rehearsal: " + rehearsal.Message, path); return; }
            if (TryWrite(path, document, "rollback rehearsal"))
                WriteObject(new AuthoredEvidence(path, RollbackRehearsal.Schema, rehearsal.Valid, rehearsal.Message, rehearsal));
        }
    }
}
