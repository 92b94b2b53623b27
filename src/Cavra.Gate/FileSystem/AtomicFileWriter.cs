using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using Cavra.Gate.FileSystem;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.FileSystem
{
    /// <summary>
    /// Writes evidence files so they are never half-written: the canonical JSON goes to a temporary file in the same
    /// folder, is flushed to disk, then atomically replaces the target. A reader sees the old file or the new one.
    /// UTF-8 without BOM, two-space indent, a trailing newline (readable by upstream CAVRA).
    /// A writer killed before the replace leaves the old file and, at worst, a hidden <c>.name.*.tmp</c> beside it.
    /// The one writer for every file the module writes (evidence, drill histories, HTML reports): an existing target must
    /// be a regular file, even with overwrite: a directory, FIFO, device, socket or symbolic link is refused and left as
    /// it is (links are not followed: replacing one would replace the link, not its target). See
    /// docs/design/file-system-rules.md.
    /// </summary>
    public static class AtomicFileWriter
    {
        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);
        private static readonly bool IsWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        /// <summary>Test seam: called after the temporary file is complete and before it replaces the target.</summary>
        internal static Action<string>? AfterTemporaryFileWritten { get; set; }

        /// <param name="overwrite">False: the file must not exist, checked atomically with the rename (<see cref="TargetFileExistsException"/>).</param>
        public static void Write(string path, ICanonicalJson document, bool overwrite = true) =>
            WriteText(path, CanonicalJsonWriter.Serialize(document) + "\n", overwrite);

        /// <summary>Writes any text file the same safe way (temporary file, flush, atomic replace).</summary>
        /// <exception cref="TargetFileExistsException"><paramref name="overwrite"/> is false and the file exists; nothing was written.</exception>
        /// <exception cref="NotARegularFileException">The target exists and is not a regular file; nothing was written.</exception>
        public static void WriteText(string path, string text, bool overwrite = true)
        {
            string full = Path.GetFullPath(path);
            RefuseSpecialTarget(full);
            string directory = Path.GetDirectoryName(full) ?? ".";
            Directory.CreateDirectory(directory);
            if (!overwrite && File.Exists(full)) throw new TargetFileExistsException(full);
            string temporary = Path.Combine(directory, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N").Substring(0, 12) + ".tmp");
            byte[] bytes = Utf8.GetBytes(text);
            try
            {
                using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(true);
                }
                AfterTemporaryFileWritten?.Invoke(temporary);
                if (overwrite) { RefuseSpecialTarget(full); Replace(temporary, full); }
                else MoveNoReplace(temporary, full);
            }
            finally
            {
                try { if (File.Exists(temporary)) File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }

        /// <summary>What may be replaced is a regular file or nothing; the kind is read without following a link.</summary>
        public static void RefuseSpecialTarget(string full)
        {
            var kind = FileKinds.Of(full, followLinks: false);
            if (kind != FileKind.Missing && kind != FileKind.Regular) throw new NotARegularFileException(full, kind);
        }

        private static void Replace(string temporary, string full)
        {
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    // Unix: both are rename(2), atomic. Windows: ReplaceFile keeps the target's ACL and attributes.
                    if (File.Exists(full)) File.Replace(temporary, full, null, true);
                    else File.Move(temporary, full);
                    return;
                }
                catch (IOException) when (IsWindows && attempt < 10)
                {
                    // Windows: a reader, indexer or scanner holding the target without delete sharing; or the target
                    // appeared between the check and the move. Both pass quickly.
                    Thread.Sleep(20 * attempt);
                }
            }
        }

        /// <summary>
        /// Renames only if the target does not exist, atomically: Windows MoveFileEx without REPLACE_EXISTING; on Unix
        /// link(2) then unlink (File.Move is a plain rename(2) there, which would replace a file created meanwhile).
        /// </summary>
        private static void MoveNoReplace(string temporary, string full)
        {
            if (!IsWindows)
            {
                int result;
                try { result = NativeFiles.Link(temporary, full); }
                catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException) { result = -2; }
                if (result == 0) { File.Delete(temporary); return; }
                if (result == -1 && Marshal.GetLastWin32Error() == NativeFiles.EEXIST) throw new TargetFileExistsException(full);
                // No hard links on this file system: the check and the rename are two steps here.
            }
            if (File.Exists(full)) throw new TargetFileExistsException(full);
            try { File.Move(temporary, full); }
            catch (IOException) when (File.Exists(full)) { throw new TargetFileExistsException(full); }
        }
    }

    /// <summary>The evidence file exists and overwriting was not asked for; nothing was written.</summary>
    public sealed class TargetFileExistsException : IOException
    {
        public TargetFileExistsException(string path) : base($"{path} already exists; use -Force to replace it.") { Path = path; }

        public string Path { get; }
    }
}
