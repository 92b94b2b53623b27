using System;
using System.IO;
using System.Management.Automation;
using Cavra.Gate.Authoring;
using Cavra.Gate.Json;

namespace Cavra.PowerShell.Infrastructure
{
    /// <summary>What every evidence-writing cmdlet shares: -Path and -Force, ShouldProcess, atomic writes and stable error ids.</summary>
    public abstract class EvidenceAuthoringCmdlet : PSCmdlet
    {
        /// <summary>The evidence file to write.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        /// <summary>Overwrite an existing file.</summary>
        [Parameter] public SwitchParameter Force { get; set; }

        protected string FullPath => SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);

        protected InputFiles Files => new InputFiles(SessionState.Path.CurrentFileSystemLocation.ProviderPath);

        /// <summary>Writes a validated document unless -WhatIf, an existing file without -Force, or the user declines.</summary>
        protected bool TryWrite(string fullPath, EvidenceDocument document, string kind)
        {
            if (File.Exists(fullPath) && !Force)
            {
                WriteError(new ErrorRecord(new IOException($"{fullPath} already exists; use -Force to replace it."), "EvidenceFileExists",
                    ErrorCategory.ResourceExists, fullPath));
                return false;
            }
            if (Directory.Exists(fullPath))
            {
                WriteError(new ErrorRecord(new IOException($"{fullPath} is a directory."), "EvidencePathIsDirectory", ErrorCategory.InvalidArgument, fullPath));
                return false;
            }
            if (!ShouldProcess(fullPath, $"Write {kind}")) return false;
            try
            {
                EvidenceFileWriter.Write(fullPath, document);
                WriteVerbose($"Wrote {kind} to {fullPath}");
                return true;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(ex, "EvidenceWriteFailed", ErrorCategory.WriteError, fullPath));
                return false;
            }
        }

        protected void Reject(string message, object? target) =>
            WriteError(new ErrorRecord(new EvidenceRejectedException(message), "EvidenceInvalid", ErrorCategory.InvalidData, target));
    }
}
