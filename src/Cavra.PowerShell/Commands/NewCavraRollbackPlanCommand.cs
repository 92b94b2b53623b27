using System;
using System.Linq;
using System.Management.Automation;
using Cavra.Gate.Authoring;
using Cavra.Gate.Evidence;
using Cavra.Gate.Json;
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
        [Parameter] [ValidateNotNullOrEmpty] public string[] Control { get; set; } = RollbackPlan.RequiredControls.ToArray();
        [Parameter] [ValidateNotNullOrEmpty] public string[] EvidenceRef { get; set; } = Array.Empty<string>();

        protected override void EndProcessing()
        {
            var document = new EvidenceDocument()
                .Add("schema_version", RollbackPlan.Schema)
                .Add("status", "ready")
                .Add("target_mode", "disabled")
                .Add("approved", Approved.IsPresent)
                .Add("approval_id", ApprovalId)
                .Add("max_recovery_minutes", MaxRecoveryMinutes)
                .Add("controls", Control)
                .Add("rollback_steps", Step)
                .Add("evidence_refs", EvidenceRef);
            string path = FullPath;
            var plan = RollbackPlan.FromDocument(JsonFileCheck.Ok(document.ToJsonObject(), path));
            if (!plan.Valid || !plan.ControlsValid)
            {
                Reject("The gate would reject this rollback plan: " + (plan.ControlsValid ? plan.Message : plan.ControlsMessage), path);
                return;
            }
            if (!plan.Approved) WriteWarning("The plan is not approved: promotion stays closed until it is (-Approved).");
            if (TryWrite(path, document, "rollback plan"))
                WriteObject(new AuthoredEvidence(path, RollbackPlan.Schema, plan.Valid, plan.Message, plan));
        }
    }
}
