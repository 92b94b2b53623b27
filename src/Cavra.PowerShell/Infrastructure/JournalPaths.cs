using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using Cavra.Gate.Parity;

namespace Cavra.PowerShell.Infrastructure
{
    /// <summary>What the journal-reading cmdlets share: -Path (wildcards) and -LiteralPath resolved on the FileSystem provider
    /// only, and each journal problem written as a non-terminating error (an incomplete last line as a warning).</summary>
    internal static class JournalPaths
    {
        public static IEnumerable<string> Resolve(PSCmdlet cmdlet, string[]? paths, bool literal)
        {
            foreach (var path in paths ?? Array.Empty<string>())
            {
                List<string> resolved = new List<string>();
                try
                {
                    if (literal)
                    {
                        string full = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out var provider, out _);
                        if (!IsFileSystem(provider)) { NotFileSystem(cmdlet, path); continue; }
                        if (!File.Exists(full)) { NotFound(cmdlet, path, Directory.Exists(full) ? "is a directory, not a journal file" : "does not exist"); continue; }
                        resolved.Add(full);
                    }
                    else
                    {
                        var found = cmdlet.SessionState.Path.GetResolvedProviderPathFromPSPath(path, out var provider);
                        if (!IsFileSystem(provider)) { NotFileSystem(cmdlet, path); continue; }
                        foreach (var f in found)
                            if (File.Exists(f)) resolved.Add(f);
                        if (resolved.Count == 0) { NotFound(cmdlet, path, "matches no file"); continue; }
                    }
                }
                catch (ItemNotFoundException) { NotFound(cmdlet, path, "does not exist"); continue; }
                catch (Exception ex) when (ex is ProviderNotFoundException || ex is System.Management.Automation.DriveNotFoundException || ex is NotSupportedException || ex is ArgumentException)
                {
                    NotFound(cmdlet, path, ex.Message);
                    continue;
                }
                foreach (var r in resolved) yield return r;
            }
        }

        public static void WriteProblem(PSCmdlet cmdlet, JournalProblem problem)
        {
            if (problem.ErrorId == JournalErrorIds.LineIncomplete)
            {
                cmdlet.WriteWarning(problem.ToString());
                return;
            }
            cmdlet.WriteError(new ErrorRecord(new InvalidDataException(problem.ToString()), problem.ErrorId, ErrorCategory.InvalidData, problem.Path)
            {
                ErrorDetails = new ErrorDetails(problem.ToString()) { RecommendedAction = "Do not rely on this journal for parity evidence until the break is explained." },
            });
        }

        private static bool IsFileSystem(ProviderInfo provider) => provider.ImplementingType == typeof(Microsoft.PowerShell.Commands.FileSystemProvider);

        private static void NotFileSystem(PSCmdlet cmdlet, string path) =>
            cmdlet.WriteError(new ErrorRecord(new ArgumentException($"{path} is not a file system path."), "JournalNotFileSystem", ErrorCategory.InvalidArgument, path));

        private static void NotFound(PSCmdlet cmdlet, string path, string why) =>
            cmdlet.WriteError(new ErrorRecord(new FileNotFoundException($"The journal {path} {why}."), "JournalNotFound", ErrorCategory.ObjectNotFound, path));

        /// <summary>A PowerShell [datetime] as an instant: Unspecified and Local are local time, as PowerShell parses them.</summary>
        public static DateTimeOffset? Instant(DateTime? value) =>
            value.HasValue ? new DateTimeOffset(value.Value.Kind == DateTimeKind.Utc ? value.Value : value.Value.ToUniversalTime(), TimeSpan.Zero) : (DateTimeOffset?)null;
    }
}
