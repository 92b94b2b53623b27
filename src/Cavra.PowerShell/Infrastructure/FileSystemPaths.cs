using System;
using System.IO;
using System.Management.Automation;
using Cavra.Gate.Authoring;
using Cavra.Gate.FileSystem;

namespace Cavra.PowerShell.Infrastructure
{
    /// <summary>
    /// The one way a cmdlet turns a user's path into a file-system path, and the one way it writes a file
    /// (docs/design/file-system-rules.md).
    /// </summary>
    internal static class FileSystemPaths
    {
        public const string NotFileSystemErrorId = "PathNotFileSystem";

        /// <summary>The engine's file door for a cmdlet: relative paths against PowerShell's current location, and, when
        /// <paramref name="narrate"/>, each read said with -Verbose ("Read &lt;path&gt;").</summary>
        public static InputFiles InputFilesAt(PSCmdlet cmdlet, bool narrate = true)
        {
            var files = new InputFiles(cmdlet.SessionState.Path.CurrentFileSystemLocation.ProviderPath);
            if (narrate) files.FileRead += path => cmdlet.WriteVerbose($"Read {path}");
            return files;
        }

        /// <summary>
        /// Resolves <paramref name="path"/> through PowerShell's FileSystem provider, relative to PowerShell's current
        /// location (not the process's directory). A path on any other provider (<c>Env:</c>, <c>Function:</c>,
        /// <c>HKLM:</c>, ...) is refused with a terminating <c>PathNotFileSystem</c> error (InvalidArgument): it would
        /// otherwise turn into a bare name resolved against the process directory.
        /// </summary>
        public static string Resolve(PSCmdlet cmdlet, string path)
        {
            string full = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out ProviderInfo provider, out _);
            if (!string.Equals(provider.Name, "FileSystem", StringComparison.OrdinalIgnoreCase))
                cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new PSArgumentException($"'{path}' is a {provider.Name} provider path; this command reads and writes files only: give a file system path."),
                    NotFileSystemErrorId, ErrorCategory.InvalidArgument, path));
            return full;
        }

        /// <summary>
        /// May <paramref name="fullPath"/> be written? Nothing there, or a regular file with <paramref name="force"/>.
        /// A directory (<c>{prefix}PathIsDirectory</c>), any other non-regular file or a symbolic link
        /// (<c>{prefix}PathNotRegularFile</c>) is refused even with -Force; an existing file without -Force gives
        /// <c>{prefix}FileExists</c>. Writes the error and returns false when refused.
        /// </summary>
        public static bool CheckTarget(PSCmdlet cmdlet, string fullPath, bool force, string prefix)
        {
            var kind = FileKinds.Of(fullPath, followLinks: false);
            if (kind == FileKind.Missing) return true;
            if (kind == FileKind.Directory)
            {
                cmdlet.WriteError(new ErrorRecord(new IOException($"{fullPath} is a directory."), prefix + "PathIsDirectory", ErrorCategory.InvalidArgument, fullPath));
                return false;
            }
            if (kind != FileKind.Regular)
            {
                cmdlet.WriteError(NotRegular(new NotARegularFileException(fullPath, kind), prefix));
                return false;
            }
            if (force) return true;
            cmdlet.WriteError(Exists(new TargetFileExistsException(fullPath), prefix));
            return false;
        }

        /// <summary>Runs the atomic write, turning its refusals into the same error ids as <see cref="CheckTarget"/>
        /// (the target can change between the check and the write) and anything else into <c>{prefix}WriteFailed</c>.</summary>
        public static bool Write(PSCmdlet cmdlet, string fullPath, string prefix, Action write)
        {
            try
            {
                write();
                return true;
            }
            catch (TargetFileExistsException ex) { cmdlet.WriteError(Exists(ex, prefix)); }
            catch (NotARegularFileException ex) { cmdlet.WriteError(NotRegular(ex, prefix)); }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                cmdlet.WriteError(new ErrorRecord(ex, prefix + "WriteFailed", ErrorCategory.WriteError, fullPath));
            }
            return false;
        }

        private static ErrorRecord Exists(TargetFileExistsException ex, string prefix) =>
            new ErrorRecord(ex, prefix + "FileExists", ErrorCategory.ResourceExists, ex.Path);

        private static ErrorRecord NotRegular(NotARegularFileException ex, string prefix) =>
            new ErrorRecord(new IOException($"{ex.Path} is a {FileKinds.Describe(ex.Kind)}, not a regular file: it is never replaced, even with -Force.", ex),
                prefix + "PathNotRegularFile", ErrorCategory.InvalidArgument, ex.Path);
    }
}
