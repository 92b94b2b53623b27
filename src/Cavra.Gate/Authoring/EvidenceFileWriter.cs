using System;
using System.IO;
using System.Text;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Authoring
{
    /// <summary>
    /// Writes evidence files so they are never half-written: the canonical JSON goes to a temporary file in the same
    /// folder, is flushed to disk, then atomically replaces the target. A reader sees the old file or the new one.
    /// UTF-8 without BOM, two-space indent, a trailing newline (readable by upstream CAVRA).
    /// </summary>
    public static class EvidenceFileWriter
    {
        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);

        /// <summary>Test seam: called after the temporary file is complete and before it replaces the target.</summary>
        internal static Action<string>? AfterTemporaryFileWritten { get; set; }

        public static void Write(string path, ICanonicalJson document) => WriteText(path, CanonicalJsonWriter.Serialize(document) + "\n");

        /// <summary>Writes any text file the same safe way (temporary file, flush, atomic replace).</summary>
        public static void WriteText(string path, string text)
        {
            string full = Path.GetFullPath(path);
            string directory = Path.GetDirectoryName(full) ?? ".";
            Directory.CreateDirectory(directory);
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
                if (File.Exists(full)) File.Replace(temporary, full, null, true);
                else File.Move(temporary, full);
            }
            finally
            {
                try { if (File.Exists(temporary)) File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }
}
