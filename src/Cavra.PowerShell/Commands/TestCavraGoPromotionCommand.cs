using System;
using System.Management.Automation;
using Cavra.Gate.Readiness;
using Cavra.PowerShell.Infrastructure;

namespace Cavra.PowerShell.Commands
{
    /// <summary>
    /// Evaluates the Go backend promotion gate: runtime and deployment readiness, promotion evidence, rollback plan,
    /// rehearsal, drill history (and drill schedule when configured). Returns one verdict with every section report;
    /// -Quiet returns only whether promoted mode selects Go right now. A failing check is data in the verdict, not an error.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "CavraGoPromotion", DefaultParameterSetName = VerdictSet)]
    [OutputType(typeof(GateVerdict), ParameterSetName = new[] { VerdictSet })]
    [OutputType(typeof(bool), ParameterSetName = new[] { QuietSet })]
    [OutputType(typeof(string), ParameterSetName = new[] { JsonSet })]
    public sealed class TestCavraGoPromotionCommand : GateConfigurationCmdlet
    {
        private const string VerdictSet = "Verdict";
        private const string QuietSet = "Quiet";
        private const string JsonSet = "Json";

        /// <summary>Return only $true (configured mode is promoted and every gate step passes) or $false.</summary>
        [Parameter(Mandatory = true, ParameterSetName = QuietSet)]
        public SwitchParameter Quiet { get; set; }

        /// <summary>Return the canonical snake_case JSON document instead of the verdict object.</summary>
        [Parameter(Mandatory = true, ParameterSetName = JsonSet)]
        public SwitchParameter AsJson { get; set; }

        protected override void EndProcessing()
        {
            GateVerdict verdict;
            var config = ResolveConfig(); // an unusable settings file is its own terminating error, not GateEvaluationFailed
            try
            {
                verdict = GateVerdict.Evaluate(CreateContext(config));
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException))
            {
                // The engine is built never to throw on bad input; if it does anyway, fail closed and say so.
                WriteError(new ErrorRecord(ex, "GateEvaluationFailed", ErrorCategory.InvalidResult, null));
                if (Quiet) WriteObject(false);
                return;
            }

            WriteVerbose(verdict.Summary);
            if (Quiet) WriteObject(verdict.GoSelected);
            else if (AsJson) WriteObject(CanonicalJsonOutput.Of(verdict));
            else WriteObject(verdict);
        }
    }
}
