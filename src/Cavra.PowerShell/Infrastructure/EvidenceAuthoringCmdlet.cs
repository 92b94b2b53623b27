using System;
using System.IO;
using System.Management.Automation;
using Cavra.Gate.Authoring;
using Cavra.Gate.Json;
using Cavra.Gate.FileSystem;

namespace Cavra.PowerShell.Infrastructure
{
    /// <summary>What every evidence-writing cmdlet shares: -Path and -Force, ShouldProcess, atomic writes and stable error ids.</summary>
    public abstract class EvidenceAuthoringCmdlet : PSCmdlet
    {
        /// <summary>The evidence file to write.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        /// <summary>Overwrite an existing regular file (never a directory, FIFO, device, socket or symbolic link).</summary>
        [Parameter] public SwitchParameter Force { get; set; }

        protected string FullPath => FileSystemPaths.Resolve(this, Path);

        /// <summary>Input files resolved against $PWD, each read narrated with -Verbose.</summary>
        protected InputFiles Files => FileSystemPaths.InputFilesAt(this);

        /// <summary>
        /// Writes a validated document unless -WhatIf, an existing file without -Force, or the user declines. Without
        /// -Force the "does not exist" check is atomic with the final rename, so a concurrent writer is never overwritten.
        /// </summary>
        protected bool TryWrite(string fullPath, EvidenceDocument document, string kind)
        {
            if (!FileSystemPaths.CheckTarget(this, fullPath, Force, "Evidence")) return false;
            if (!ShouldProcess(fullPath, $"Write {kind}")) return false;
            if (!FileSystemPaths.Write(this, fullPath, "Evidence", () => AtomicFileWriter.Write(fullPath, document, overwrite: Force.IsPresent))) return false;
            WriteVerbose($"Wrote {kind} to {fullPath}");
            return true;
        }

        protected void Reject(string message, object? target) =>
            WriteError(new ErrorRecord(new EvidenceRejectedException(message), "EvidenceInvalid", ErrorCategory.InvalidData, target));
    }
}
