using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Cavra.Gate.FileSystem
{
    /// <summary>
    /// Reads regular files only, never blocking on what a path turns out to be, and bounded by size and time
    /// (docs/design/file-system-rules.md). Links are followed for inputs: what counts is the file they lead to.
    /// <list type="bullet">
    /// <item>The kind is checked by <c>stat</c> before opening, so a FIFO, device or socket is never opened.</item>
    /// <item>On Linux and macOS the open itself is <c>O_NONBLOCK | O_NOCTTY</c> and the opened descriptor is checked again
    /// with <c>fstat</c>, so a path swapped for a FIFO between the two steps cannot block either.</item>
    /// <item>Reads go in chunks and stop at a size limit and a deadline, checked between chunks (a single read stuck in a
    /// hung network file system is the operating system's to end).</item>
    /// </list>
    /// </summary>
    public static class RegularFiles
    {
        /// <summary>Largest runtime binary or policy the gate hashes for <c>runtime_sha256</c>/<c>policy_sha256</c>: real Go
        /// binaries are tens of MiB; anything larger (or endless, like <c>/dev/zero</c>) is refused unread.</summary>
        public const long MaxHashBytes = 512L * 1024 * 1024;

        /// <summary>How long reading one gate input (at most 1 MiB) may take.</summary>
        public static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

        /// <summary>How long hashing one bound artefact (at most <see cref="MaxHashBytes"/>) may take.</summary>
        public static readonly TimeSpan HashTimeout = TimeSpan.FromSeconds(60);

        private const int ChunkBytes = 1024 * 1024;

        /// <summary>Opens an existing regular file for reading.</summary>
        /// <exception cref="FileNotFoundException">Nothing there.</exception>
        /// <exception cref="NotARegularFileException">A directory, FIFO, device, socket, ...: it was not opened (or not read).</exception>
        public static FileStream OpenRead(string fullPath)
        {
            var kind = FileKinds.Of(fullPath);
            if (kind == FileKind.Missing) throw new FileNotFoundException("no such file", fullPath);
            if (kind != FileKind.Regular) throw new NotARegularFileException(fullPath, kind);

            int? flags = FileKinds.IsWindows ? null : NativeFiles.ReadNonBlockingFlags();
            if (flags == null) return OpenManaged(fullPath);

            int fd;
            try { fd = NativeFiles.Open(fullPath, flags.Value); }
            catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException) { return OpenManaged(fullPath); }
            if (fd < 0) return OpenManaged(fullPath); // the managed open reports the error (ENOENT, EACCES, ...) in .NET's words
            var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
            try
            {
                var status = new byte[NativeFiles.StatusBytes];
                if (NativeFiles.FStat((IntPtr)fd, status) != 0) throw new IOException("could not inspect " + fullPath);
                var opened = FileKinds.FromMode(NativeFiles.ModeOf(status));
                if (opened != FileKind.Regular) throw new NotARegularFileException(fullPath, opened);
                return new FileStream(handle, FileAccess.Read, bufferSize: 1);
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }

        private static FileStream OpenManaged(string fullPath)
        {
            var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
            if (FileKinds.IsWindows && !IsDisk(stream))
            {
                stream.Dispose();
                throw new NotARegularFileException(fullPath, FileKind.CharacterDevice);
            }
            return stream;
        }

        /// <summary>Reads a whole regular file of at most <paramref name="maxBytes"/> bytes within <paramref name="timeout"/>.</summary>
        /// <exception cref="FileTooLargeException">Larger than the limit (checked before and while reading).</exception>
        /// <exception cref="TimeoutException">Reading took longer than allowed.</exception>
        public static byte[] ReadAll(Func<string, Stream> open, string fullPath, long maxBytes, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            using var stream = open(fullPath);
            long expected = stream.CanSeek ? stream.Length : 0;
            if (expected > maxBytes) throw new FileTooLargeException(expected, maxBytes);
            // Sized from the length just checked, so a small input costs a small buffer (the gate runs per HTTP request).
            // The length can race with a writer: grow as needed, and read at most one byte past the limit.
            var buffer = new byte[Math.Min(Math.Max(expected, 0) + 1, maxBytes + 1)];
            int total = 0, n;
            while ((n = stream.Read(buffer, total, Math.Min(buffer.Length - total, ChunkBytes))) > 0)
            {
                total += n;
                if (clock.Elapsed > timeout) throw new TimeoutException($"reading {fullPath} took longer than {timeout.TotalSeconds:0} seconds");
                if (total < buffer.Length) continue;
                if (buffer.Length > maxBytes) throw new FileTooLargeException(-1, maxBytes);
                Array.Resize(ref buffer, (int)Math.Min(buffer.Length * 2L, maxBytes + 1));
            }
            if (total != buffer.Length) Array.Resize(ref buffer, total);
            return buffer;
        }

        /// <summary>SHA-256 of a regular file of at most <see cref="MaxHashBytes"/>, read within <see cref="HashTimeout"/>.</summary>
        /// <exception cref="FileTooLargeException"/>
        /// <exception cref="TimeoutException"/>
        /// <exception cref="NotARegularFileException"/>
        public static byte[] Sha256(string fullPath, long maxBytes, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            using var stream = OpenRead(fullPath);
            if (stream.Length > maxBytes) throw new FileTooLargeException(stream.Length, maxBytes);
            using var sha = SHA256.Create();
            var buffer = new byte[ChunkBytes];
            long total = 0;
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                total += n;
                if (total > maxBytes) throw new FileTooLargeException(-1, maxBytes);
                if (clock.Elapsed > timeout) throw new TimeoutException($"hashing {fullPath} took longer than {timeout.TotalSeconds:0} seconds");
                sha.TransformBlock(buffer, 0, n, null, 0);
            }
            sha.TransformFinalBlock(buffer, 0, 0);
            return sha.Hash!;
        }

        /// <summary>True when the path is a regular file this process may execute (any execute bit on Unix).</summary>
        public static bool IsExecutable(string fullPath)
        {
            if (FileKinds.Of(fullPath) != FileKind.Regular) return false;
            if (FileKinds.IsWindows) return true;
            try { return NativeFiles.Access(fullPath, NativeFiles.X_OK) == 0; }
            catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException) { return true; }
        }

        private static bool IsDisk(FileStream stream)
        {
            try { return GetFileType(stream.SafeFileHandle) == FileTypeDisk; }
            catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException) { return true; }
        }

        private const int FileTypeDisk = 1;

        [DllImport("kernel32.dll")]
        private static extern int GetFileType(SafeFileHandle handle);
    }

    /// <summary>A file is larger than the limit for its use; it was not (fully) read.</summary>
    public sealed class FileTooLargeException : IOException
    {
        public FileTooLargeException(long length, long limit)
            : base(length >= 0 ? $"larger than {Describe(limit)} ({length} bytes)" : $"larger than {Describe(limit)}")
        {
            Length = length;
            Limit = limit;
        }

        /// <summary>The size found, or -1 when it grew past the limit while being read.</summary>
        public long Length { get; }
        public long Limit { get; }

        public static string Describe(long bytes) => bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)} MiB" : $"{bytes} bytes";
    }
}
