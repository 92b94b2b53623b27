using System.Management.Automation;
using Cavra.Gate.Readiness;
using Cavra.PowerShell.Infrastructure;

namespace Cavra.PowerShell.Commands
{
    /// <summary>Production readiness (cavra.deployment.production_readiness.v1) restricted to the seven Go backend sections.</summary>
    [Cmdlet(VerbsCommon.Get, "CavraProductionReadiness")]
    [OutputType(typeof(ProductionReadinessReport))]
    [OutputType(typeof(string))]
    public sealed class GetCavraProductionReadinessCommand : GateConfigurationCmdlet
    {
        /// <summary>Emit the canonical JSON document (the body of GET /deployment/production-readiness).</summary>
        [Parameter] public SwitchParameter AsJson { get; set; }

        protected override void EndProcessing()
        {
            var report = ProductionReadinessReport.Evaluate(CreateContext(ResolveConfig()));
            foreach (var check in report.BlockingChecks) WriteVerbose($"blocks: {check.Id}: {check.Message}");
            WriteObject(AsJson ? (object)report.ToJson() : report);
        }
    }
}
