using System;
using System.IO;
using System.Management.Automation;
using Cavra.Gate.Authoring;
using Cavra.Gate.Json;
using Cavra.Gate.Parity;
using Cavra.Gate.Serialization;
using Cavra.PowerShell.Infrastructure;
using Cavra.Gate.FileSystem;

namespace Cavra.PowerShell.Commands
{
    /// <summary>
    /// Measures Go/.NET parity over shadow journals (or journal entries, or earlier parity reports, which it merges) and
    /// returns a cavra.powershell.go-parity-report.v1 report: exact counts, escapes, a Clopper–Pearson upper bound on the
    /// mismatch rate, coverage, and the runtime and policy measured. A failing measurement is a report with status fail,
    /// never an error.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Measure, "CavraGoParity", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
    [OutputType(typeof(ParityReport))]
    [OutputType(typeof(string))]
    public sealed class MeasureCavraGoParityCommand : PSCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";
        private const string ReportPathSet = "ReportPath";
        private const string InputObjectSet = "InputObject";

        private readonly ParityTally _tally = new ParityTally();
        private PilotJournalReader? _reader;

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>Parity report JSON files (-OutFile of earlier runs) to merge.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ReportPathSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] ReportPath { get; set; } = Array.Empty<string>();

        /// <summary>Journal entries (Get-CavraGoPilotJournal), parity reports (live, deserialized or JSON text), or journal files.</summary>
        [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
        public PSObject? InputObject { get; set; }

        [Parameter] public DateTime Since { get; set; }
        [Parameter] public DateTime Until { get; set; }
        [Parameter] [ValidateRange(0L, long.MaxValue)] public long MinimumSampleSize { get; set; } = 1000;
        [Parameter] [ValidateRange(0.0, 1.0)] public double MaxMismatchRate { get; set; } = 0.001;
        [Parameter] [ValidateRange(0.5, 0.999999)] public double ConfidenceLevel { get; set; } = 0.95;
        [Parameter] [ValidateRange(0L, long.MaxValue)] public long MaxEscapes { get; set; }

        /// <summary>Also write the report here (atomically; an existing file only with -Force).</summary>
        [Parameter] [ValidateNotNullOrEmpty] public string? OutFile { get; set; }
        [Parameter] public SwitchParameter Force { get; set; }
        [Parameter] public SwitchParameter AsJson { get; set; }

        private DateTimeOffset? SinceInstant => MyInvocation.BoundParameters.ContainsKey(nameof(Since)) ? JournalPaths.Instant(Since) : null;
        private DateTimeOffset? UntilInstant => MyInvocation.BoundParameters.ContainsKey(nameof(Until)) ? JournalPaths.Instant(Until) : null;

        protected override void BeginProcessing()
        {
            var since = SinceInstant;
            var until = UntilInstant;
            _reader = new PilotJournalReader { Since = since, Until = until, Problem = p => JournalPaths.WriteProblem(this, p) };
        }

        protected override void ProcessRecord()
        {
            switch (ParameterSetName)
            {
                case PathSet: ReadJournals(Path, literal: false); break;
                case LiteralPathSet: ReadJournals(LiteralPath, literal: true); break;
                case ReportPathSet: ReadReports(ReportPath); break;
                default: Take(InputObject); break;
            }
        }

        protected override void EndProcessing()
        {
            var criteria = new ParityCriteria
            {
                MinimumSampleSize = MinimumSampleSize, MaxMismatchRate = MaxMismatchRate, ConfidenceLevel = ConfidenceLevel, MaxEscapes = MaxEscapes,
            };
            var report = ParityReport.Create(_tally, criteria, DateTimeOffset.UtcNow);
            WriteVerbose($"Parity {CanonicalName.Of(report.Status)}: {report.SampleSize} samples, {report.Mismatched} mismatches, {report.Escapes} escapes, upper bound {PythonFloat.Repr(report.MismatchRateUpperBound)}.");
            foreach (var reason in report.Reasons) WriteVerbose("Fails: " + reason);
            if (!string.IsNullOrEmpty(OutFile) && !Write(report)) return;
            WriteObject(AsJson ? (object)CanonicalJsonOutput.Of(report) : report);
        }

        private bool Write(ParityReport report)
        {
            string full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(OutFile);
            if (Directory.Exists(full))
            {
                WriteError(new ErrorRecord(new IOException($"{full} is a directory."), "ParityOutFileIsDirectory", ErrorCategory.InvalidArgument, full));
                return false;
            }
            if (File.Exists(full) && !Force)
            {
                WriteError(new ErrorRecord(new TargetFileExistsException(full), "ParityOutFileExists", ErrorCategory.ResourceExists, full));
                return false;
            }
            if (!ShouldProcess(full, $"Write parity report ({CanonicalName.Of(report.Status)}, {report.SampleSize} samples)")) return false;
            try
            {
                AtomicFileWriter.Write(full, report, overwrite: Force.IsPresent);
                WriteVerbose($"Wrote the parity report to {full}");
                return true;
            }
            catch (TargetFileExistsException ex)
            {
                WriteError(new ErrorRecord(ex, "ParityOutFileExists", ErrorCategory.ResourceExists, full));
                return false;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(ex, "ParityWriteFailed", ErrorCategory.WriteError, full));
                return false;
            }
        }

        private void ReadJournals(string[] paths, bool literal)
        {
            foreach (var path in JournalPaths.Resolve(this, paths, literal)) ReadJournal(path);
        }

        // Compiled optimised at once ((MethodImplOptions)512, AggressiveOptimization): this loop runs once per journal line.
        [System.Runtime.CompilerServices.MethodImpl((System.Runtime.CompilerServices.MethodImplOptions)512)]
        private void ReadJournal(string path)
        {
            WriteVerbose($"Measuring {path}");
            var file = new JournalFile(path);
            _tally.AddJournal(file);
            foreach (var entry in _reader!.Read(file)) _tally.Add(entry);
        }

        private void ReadReports(string[] paths)
        {
            var files = new InputFiles(SessionState.Path.CurrentFileSystemLocation.ProviderPath);
            foreach (var path in JournalPaths.Resolve(this, paths, literal: false))
            {
                if (ParityReport.TryRead(files, path, out var report, out _, out var error)) Merge(report, path);
                else InvalidReport($"{path} is not a parity report: {error}", path);
            }
        }

        private void Take(PSObject? input)
        {
            object? value = input?.BaseObject;
            switch (value)
            {
                case null: return;
                case PilotJournalEntry entry:
                    if (InWindow(entry)) _tally.Add(entry);
                    else _tally.AddJournal(entry.Journal);
                    return;
                case ParityReport report: Merge(report, "pipeline"); return;
                case FileInfo file: ReadJournals(new[] { file.FullName }, literal: true); return;
                case string text when text.TrimStart().StartsWith("{", StringComparison.Ordinal): MergeJson(text, "pipeline"); return;
                case string path: ReadJournals(new[] { path }, literal: false); return;
            }
            // A report that crossed Start-Job, remoting or Export-Clixml: its Document property is the canonical JSON.
            if (input!.Properties["Document"]?.Value is string document && input.Properties["Status"] != null)
            {
                MergeJson(document, "deserialized report");
                return;
            }
            WriteError(new ErrorRecord(new ArgumentException(
                    $"Measure-CavraGoParity takes journal entries (Get-CavraGoPilotJournal), parity reports or journal files, not {value.GetType().Name}."),
                "ParityInputUnsupported", ErrorCategory.InvalidArgument, value));
        }

        private bool InWindow(PilotJournalEntry entry)
        {
            var since = SinceInstant;
            var until = UntilInstant;
            return (!since.HasValue || entry.EvaluatedAt >= since.Value) && (!until.HasValue || entry.EvaluatedAt < until.Value);
        }

        private void MergeJson(string text, string source)
        {
            if (StrictJsonParser.TryParse(text, out var value, out var error) && value is JsonObject o)
            {
                if (ParityReport.TryParse(o, out var report, out var why)) Merge(report, source);
                else InvalidReport($"the {source} is not a parity report: {why}", text);
            }
            else InvalidReport($"the {source} is not a parity report: {(error == null ? "not a JSON object" : error.Message)}", text);
        }

        private void Merge(ParityReport report, string source)
        {
            if (SinceInstant.HasValue || UntilInstant.HasValue)
                WriteWarning($"-Since and -Until do not apply to the {source} report: a report is merged whole.");
            WriteVerbose($"Merging a parity report ({report.SampleSize} samples, {report.Journals.Count} journals) from {source}");
            _tally.Merge(report);
        }

        private void InvalidReport(string message, object target) =>
            WriteError(new ErrorRecord(new InvalidDataException(message), "ParityReportInvalid", ErrorCategory.InvalidData, target));
    }
}
