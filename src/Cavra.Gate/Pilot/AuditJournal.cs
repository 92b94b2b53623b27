using System;
using System.IO;
using System.Text;
using System.Threading;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Pilot
{
    /// <summary>
    /// Appends one compact JSON line per evaluation (the request and the full evaluation record) so an auditor can
    /// replay the decision path. Each line is written with a single write while holding the file exclusively, then
    /// flushed to disk: concurrent writers (threads or processes) never interleave or tear lines.
    /// </summary>
    public sealed class AuditJournal
    {
        public const string Schema = "cavra.powershell.pilot-journal.v1";
        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);

        public AuditJournal(string path) { Path = path; }

        public string Path { get; }

        /// <summary>The journal line for a record, without the trailing newline.</summary>
        public static string Line(EvaluationRecord record)
        {
            var w = new CanonicalJsonWriter(indented: false);
            w.StartObject()
                .Property("journal_schema", Schema)
                .Property("evaluation_id", record.EvaluationId)
                .Property("evaluated_at", record.EvaluatedAt)
                .Property("request", StrictJsonParser.Parse(record.Request.ToRuntimeJson()))
                .Property("evaluation", record)
                .EndObject();
            return w.ToString();
        }

        /// <summary>Appends the record; retries while another writer holds the file, up to <paramref name="timeout"/>.</summary>
        public void Append(EvaluationRecord record, TimeSpan? timeout = null)
        {
            byte[] bytes = Utf8.GetBytes(Line(record) + "\n");
            var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
            var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
            int delay = 1;
            while (true)
            {
                // Appends go to a regular file only (links followed): opening a FIFO for writing would block until a
                // reader comes, and a device is not a journal (docs/design/file-system-rules.md).
                var kind = Cavra.Gate.FileSystem.FileKinds.Of(System.IO.Path.GetFullPath(Path));
                if (kind != Cavra.Gate.FileSystem.FileKind.Missing && kind != Cavra.Gate.FileSystem.FileKind.Regular)
                    throw new Cavra.Gate.FileSystem.NotARegularFileException(System.IO.Path.GetFullPath(Path), kind);
                try
                {
                    // FileShare.None: on Unix .NET then takes an exclusive flock (any other share mode takes a shared one),
                    // so other appenders, in this process or another, get an IOException and retry.
                    using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough);
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(true);
                    return;
                }
                catch (IOException ex) when (!(ex is Cavra.Gate.FileSystem.NotARegularFileException) && DateTime.UtcNow < deadline && !(File.Exists(Path) && Directory.Exists(Path)))
                {
                    Thread.Sleep(delay);
                    delay = Math.Min(delay * 2, 50);
                }
            }
        }
    }
}
