using System;
using System.Management.Automation;
using Cavra.Gate.Parity;
using Cavra.PowerShell.Infrastructure;

namespace Cavra.PowerShell.Commands
{
    /// <summary>
    /// Streams the entries of shadow journals written by Invoke-CavraGoPilotEvaluate -JournalPath, verifying each file's
    /// hash chain as it reads. A broken chain or unreadable line is a non-terminating error with the file and line; reading
    /// goes on, and entries whose link does not verify are not returned.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "CavraGoPilotJournal", DefaultParameterSetName = PathSet)]
    [OutputType(typeof(PilotJournalEntry))]
    public sealed class GetCavraGoPilotJournalCommand : PSCmdlet
    {
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>Entries evaluated at or after this time.</summary>
        [Parameter] public DateTime Since { get; set; }

        /// <summary>Entries evaluated before this time.</summary>
        [Parameter] public DateTime Until { get; set; }

        protected override void ProcessRecord()
        {
            var reader = new PilotJournalReader
            {
                KeepLines = true,
                Since = MyInvocation.BoundParameters.ContainsKey(nameof(Since)) ? JournalPaths.Instant(Since) : null,
                Until = MyInvocation.BoundParameters.ContainsKey(nameof(Until)) ? JournalPaths.Instant(Until) : null,
                Problem = problem => JournalPaths.WriteProblem(this, problem),
            };
            bool literal = ParameterSetName == LiteralPathSet;
            foreach (var path in JournalPaths.Resolve(this, literal ? LiteralPath : Path, literal))
            {
                WriteVerbose($"Reading {path}");
                var file = new JournalFile(path);
                foreach (var entry in reader.Read(file)) WriteObject(entry);
                WriteVerbose($"{path}: {file.Lines} lines, {file.Entries} entries in the window, chain {(file.ChainValid ? "valid" : "broken")}, sha256 {file.Sha256}");
            }
        }
    }
}
