using System;
using System.IO;

namespace Cavra.Gate.FileSystem
{
    /// <summary>
    /// Reading the end of an append-only file under its writer's lock: the audit journal and the notification ledger both
    /// find their last whole line this way before appending, whatever a killed writer left after it.
    /// </summary>
    internal static class FileTail
    {
        private const int Chunk = 64 * 1024;

        /// <summary>The position of the last <paramref name="value"/> before <paramref name="end"/>, or -1; reads backwards in 64 KiB chunks.</summary>
        public static long LastIndexOf(FileStream stream, byte value, long end, string changed)
        {
            if (end <= 0) return -1;
            var buffer = new byte[(int)Math.Min(Chunk, end)];
            while (end > 0)
            {
                int n = (int)Math.Min(buffer.Length, end);
                long from = end - n;
                stream.Seek(from, SeekOrigin.Begin);
                ReadExactly(stream, buffer, n, changed);
                for (int i = n - 1; i >= 0; i--)
                    if (buffer[i] == value) return from + i;
                end = from;
            }
            return -1;
        }

        /// <exception cref="IOException">The file ended early: <paramref name="changed"/> says which file changed while it was read.</exception>
        public static void ReadExactly(Stream stream, byte[] buffer, int count, string changed)
        {
            int total = 0;
            while (total < count)
            {
                int n = stream.Read(buffer, total, count - total);
                if (n == 0) throw new IOException(changed);
                total += n;
            }
        }
    }
}
