using System;
using System.Linq;
using System.Management.Automation;
using Cavra.Gate.Authoring;
using Cavra.Gate.Evidence;
using Cavra.PowerShell.Infrastructure;

namespace Cavra.PowerShell.Commands
{
    /// <summary>Writes cavra.go-backend-rollback-plan.v1: the approved way back to the built-in .NET backend (target mode disabled).</summary>
    [Cmdlet(VerbsCommon.New, "CavraRollbackPlan", SupportsShouldProcess = true)]
    [OutputType(typeof(AuthoredEvidence))]
    public sealed class NewCavraRollbackPlanCommand : EvidenceAuthoringCmdlet
    {
        [Parameter(Mandatory = true)] [ValidateNotNullOrEmpty] public string ApprovalId { get; set; } = "";
        [Parameter] public SwitchParameter Approved { get; set; }
        [Parameter(Mandatory = true)] [ValidateRange(0.001, 100000)] public double MaxRecoveryMinutes { get; set; }
        [Parameter(Mandatory = true)] [ValidateNotNullOrEmpty] public string[] Step { get; set; } = Array.Empty<string>();
        [Parameter] [ValidateNotNullOrEmpty] public string[] Control { get; set; } = RollbackPlanDraft.DefaultControls.ToArray();
        /// <summary>The mode the plan returns to; the gate accepts only disabled (the built-in backend alone).</summary>
        [Parameter] [ValidateSet("disabled", "shadow", "enforce", "promoted")] public string TargetMode { get; set; } = "disabled";
        [Parameter] [ValidateNotNullOrEmpty] public string[] EvidenceRef { get; set; } = Array.Empty<string>();

        protected override void EndProcessing()
        {
            var draft = new RollbackPlanDraft
            {
                TargetMode = TargetMode.ToLowerInvariant(), Approved = Approved.IsPresent, ApprovalId = ApprovalId, MaxRecoveryMinutes = MaxRecoveryMinutes,
                Controls = Control, RollbackSteps = Step, EvidenceRefs = EvidenceRef,
            };
            string path = FullPath;
            var plan = draft.Validate(path);
            if (!plan.Valid) { Reject("The gate would reject this rollback plan: " + RollbackPlanDraft.Problems(plan), path); return; }
            if (!plan.Approved) WriteWarning("The plan is not approved: promotion stays closed until it is (-Approved).");
            if (TryWrite(path, draft.ToDocument(), "rollback plan"))
                WriteObject(new AuthoredEvidence(path, RollbackPlan.Schema, plan.Valid, plan.Message, plan));
        }
    }
}
