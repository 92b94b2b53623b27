using System;
using System.IO;
using System.Management.Automation;
using Cavra.Gate.Configuration;
using Cavra.Gate.Readiness;
using Cavra.Gate.Html;
using Cavra.PowerShell.Infrastructure;

namespace Cavra.PowerShell.Commands
{
    /// <summary>
    /// Writes the promotion gate's verdict and every check as one self-contained HTML page for a change-advisory board.
    /// Evaluates the gate from the same configuration as Test-CavraGoPromotion, or renders a verdict piped to it.
    /// The rendering lives in the engine (Cavra.Gate.Html.ReadinessHtml); this cmdlet binds, asks and writes.
    /// </summary>
    [Cmdlet(VerbsData.Export, "CavraReadinessReport", SupportsShouldProcess = true, DefaultParameterSetName = EvaluateSet)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportCavraReadinessReportCommand : GateConfigurationCmdlet
    {
        private const string EvaluateSet = "Evaluate";
        private const string InputObjectSet = "InputObject";
        private bool _written;

        /// <summary>The HTML file to write.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = EvaluateSet)]
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = InputObjectSet)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        /// <summary>A verdict from Test-CavraGoPromotion to render instead of evaluating the gate again: live, or received
        /// from Start-Job, remoting or Import-Clixml (Deserialized.Cavra.Gate.Readiness.GateVerdict).</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
        [ValidateNotNull]
        public PSObject InputObject { get; set; } = null!;

        /// <summary>The page heading, e.g. the change reference.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Title { get; set; } = new ReadinessHtmlOptions().Title;

        /// <summary>Replace an existing regular file (never a directory, FIFO, device, socket or symbolic link).</summary>
        [Parameter] public SwitchParameter Force { get; set; }

        protected override void BeginProcessing()
        {
            if (ParameterSetName != InputObjectSet) return;
            foreach (var name in MyInvocation.BoundParameters.Keys)
            {
                if (GateSettings.Find(name) != null)
                    ThrowTerminatingError(new ErrorRecord(
                        new PSArgumentException($"-{name} configures a gate evaluation; a piped verdict was already evaluated. Pass either -InputObject or configuration parameters."),
                        "ConfigurationWithInputObject", ErrorCategory.InvalidArgument, name));
            }
        }

        protected override void ProcessRecord()
        {
            if (_written)
            {
                WriteError(new ErrorRecord(new PSInvalidOperationException($"One report file holds one verdict; {Path} already holds the first verdict piped in."),
                    "MultipleVerdicts", ErrorCategory.InvalidOperation, InputObject));
                return;
            }
            string full = FileSystemPaths.Resolve(this, Path);
            if (!FileSystemPaths.CheckTarget(this, full, Force, "Report")) return;

            ReportedVerdict verdict;
            if (ParameterSetName == InputObjectSet)
            {
                var received = ReceivedVerdict.From(InputObject);
                if (received == null)
                {
                    WriteError(new ErrorRecord(new PSArgumentException(
                        $"-InputObject takes a verdict from Test-CavraGoPromotion (live or received from a job, remoting or Import-Clixml), not {InputObject.TypeNames[0]}."),
                        "InputObjectNotVerdict", ErrorCategory.InvalidArgument, InputObject));
                    return;
                }
                verdict = received;
            }
            else
            {
                var config = ResolveConfig(); // an unusable settings file is its own terminating error
                try { verdict = ReportedVerdict.From(GateVerdict.Evaluate(CreateContext(config))); }
                catch (Exception ex) when (!(ex is PipelineStoppedException))
                {
                    WriteError(new ErrorRecord(ex, "GateEvaluationFailed", ErrorCategory.InvalidResult, null));
                    return;
                }
            }
            WriteVerbose(verdict.Summary);

            if (!ShouldProcess(full, $"Write HTML readiness report ({(verdict.GoSelected ? "Go selected" : verdict.GatePassed ? "gate passes" : "gate blocked at " + verdict.FailedStep)})")) return;
            _written = true;
            var module = MyInvocation.MyCommand.Module;
            var options = new ReadinessHtmlOptions
            {
                Title = Title,
                Generator = module == null ? "Cavra.PowerShell" : $"{module.Name} {module.Version}",
            };
            // The same atomic writer as evidence authoring: without -Force the "does not exist" check is atomic with the rename.
            if (!FileSystemPaths.Write(this, full, "Report", () => ReadinessHtml.Save(full, verdict, options, overwrite: Force.IsPresent))) return;
            WriteVerbose($"Wrote readiness report to {full}");
            // Through the FileSystem provider, so the FileInfo carries PSPath and friends and formats like Get-Item's.
            foreach (var item in SessionState.InvokeProvider.Item.Get(new[] { full }, false, true)) WriteObject(item);
        }
    }
}
