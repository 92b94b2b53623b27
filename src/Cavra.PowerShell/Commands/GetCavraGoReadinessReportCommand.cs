using System.Management.Automation;
using Cavra.Gate.Readiness;
using Cavra.PowerShell.Infrastructure;

namespace Cavra.PowerShell.Commands
{
    /// <summary>One section report of the Go backend gate, exactly as the matching /runtime/go-pilot/* route serves it.</summary>
    [Cmdlet(VerbsCommon.Get, "CavraGoReadinessReport")]
    [OutputType(typeof(ReadinessReport))]
    [OutputType(typeof(string))]
    public sealed class GetCavraGoReadinessReportCommand : GateConfigurationCmdlet
    {
        /// <summary>The section: Runtime, Deployment, Promotion, Rollback, RollbackRehearsal, RollbackDrillHistory or RollbackDrillSchedule.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        public ReadinessSection Section { get => (ReadinessSection)_section; set => _section = (int)value; }
        private int _section; // an int, not the enum: see GateConfigurationCmdlet.Mode

        /// <summary>Emit the canonical JSON document instead of the report object.</summary>
        [Parameter] public SwitchParameter AsJson { get; set; }

        protected override void EndProcessing()
        {
            var context = CreateContext(ResolveConfig());
            var report = ReadinessSections.Evaluate(Section, context);
            WriteObject(AsJson ? (object)report.ToJson() : report);
        }
    }
}
