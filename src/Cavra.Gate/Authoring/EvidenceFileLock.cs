using System;
using System.IO;
using System.Threading;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Authoring
{
    /// <summary>
    /// A cross-process lock for a read-modify-write of one evidence file: an exclusively opened "&lt;file&gt;.lock" beside it
    /// (FileShare.None is an exclusive flock on Unix and a share-deny lock on Windows). Released on dispose or process exit.
    /// The lock file must be a regular file or absent: a symbolic link is never followed (its target is never created) and a
    /// FIFO or device is never opened (docs/design/file-system-rules.md).
    /// </summary>
    public sealed class EvidenceFileLock : IDisposable
    {
        private readonly FileStream _stream;

        private EvidenceFileLock(FileStream stream, string path) { _stream = stream; LockPath = path; }

        public string LockPath { get; }

        /// <exception cref="TimeoutException">Another writer held the lock for longer than <paramref name="timeout"/>.</exception>
        /// <exception cref="NotARegularFileException">The lock path is a symbolic link, FIFO, device, directory, ...</exception>
        public static EvidenceFileLock Acquire(string evidencePath, TimeSpan timeout)
        {
            string lockPath = Path.GetFullPath(evidencePath) + ".lock";
            Directory.CreateDirectory(Path.GetDirectoryName(lockPath) ?? ".");
            var deadline = DateTime.UtcNow + timeout;
            int delay = 2;
            while (true)
            {
                var kind = FileKinds.Of(lockPath, followLinks: false);
                if (kind != FileKind.Missing && kind != FileKind.Regular) throw new NotARegularFileException(lockPath, kind);
                try
                {
                    return new EvidenceFileLock(new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None), lockPath);
                }
                catch (IOException ex) when (!(ex is NotARegularFileException) && DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(delay);
                    delay = Math.Min(delay * 2, 50);
                }
                catch (IOException ex) when (!(ex is NotARegularFileException))
                {
                    throw new TimeoutException($"another writer held {lockPath} for more than {timeout.TotalSeconds:0.#} seconds", ex);
                }
            }
        }

        // The lock file itself stays: deleting it would let a waiter lock a file another waiter has already replaced.
        public void Dispose() => _stream.Dispose();
    }
}
