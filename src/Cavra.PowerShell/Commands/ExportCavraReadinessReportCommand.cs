using System;
using System.IO;
using System.Management.Automation;
using Cavra.Gate.Authoring;
using Cavra.Gate.Readiness;
using Cavra.Gate.Reports;
using Cavra.PowerShell.Infrastructure;

namespace Cavra.PowerShell.Commands
{
    /// <summary>Writes the gate verdict and every check as a self-contained HTML page for a change-advisory board.</summary>
    [Cmdlet(VerbsData.Export, "CavraReadinessReport", SupportsShouldProcess = true, DefaultParameterSetName = EvaluateSet)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportCavraReadinessReportCommand : GateConfigurationCmdlet
    {
        private const string EvaluateSet = "Evaluate";
        private const string VerdictSet = "Verdict";

        [Parameter(Mandatory = true, Position = 0)] [ValidateNotNullOrEmpty] public string Path { get; set; } = "";

        /// <summary>A verdict from Test-CavraGoPromotion; without it the gate is evaluated with the configuration parameters.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = VerdictSet)]
        public GateVerdict InputObject { get; set; } = null!;

        [Parameter] public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            var verdict = ParameterSetName == VerdictSet ? InputObject : GateVerdict.Evaluate(CreateContext(ResolveConfig()));
            string full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
            if (File.Exists(full) && !Force)
            {
                WriteError(new ErrorRecord(new IOException($"{full} already exists; use -Force to replace it."), "ReportFileExists", ErrorCategory.ResourceExists, full));
                return;
            }
            if (!ShouldProcess(full, "Write readiness report")) return;
            try
            {
                EvidenceFileWriter.WriteText(full, ReadinessHtml.Render(verdict));
                WriteObject(new FileInfo(full));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(ex, "ReportWriteFailed", ErrorCategory.WriteError, full));
            }
        }
    }
}
