using System.Text;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;
using Cavra.Gate.Tests.Gate;

namespace Cavra.Gate.Tests.Core;

/// <summary>
/// Migration proof: thousands of seeded random mutations of the shipped evidence fixtures go through the old
/// hand-written reader and the System.Text.Json one; both must accept or reject each alike, read the same values and
/// word the same message.
/// </summary>
public class JsonReaderFuzzTests
{
    private const int MutationsPerFixture = 2000;
    private static readonly byte[] Alphabet = Encoding.ASCII.GetBytes("{}[],:\"\\ \n\t0123456789-+.eEtrufalsnNI/")
        .Concat(new byte[] { 0x00, 0x1F, 0x7F, 0xC3, 0xA9, 0xEF, 0xBB, 0xBF, 0xFF }).ToArray();
    private static readonly string[] Fragments = { "NaN", "Infinity", "-Infinity", "1e999", "01", "\\u00e9", "\\ud800", ",", "{\"a\": 1, \"a\": 2}", "[[[[", "]]", "\"x\": ", "true", "nul", "-", "1.", "1e" };

    public static IEnumerable<object[]> Fixtures()
        => Directory.GetFiles(Path.Combine(EvidenceSet.RepoRoot, "examples"), "*.json", SearchOption.AllDirectories)
            .Select(f => new object[] { Path.GetRelativePath(EvidenceSet.RepoRoot, f) });

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Old_and_new_readers_agree_on_random_mutations(string fixture)
    {
        var original = File.ReadAllBytes(Path.Combine(EvidenceSet.RepoRoot, fixture));
        var random = new Random(fixture.Length * 7919 + original.Length);
        int accepted = 0, rejected = 0;
        for (int n = 0; n < MutationsPerFixture; n++)
        {
            var mutated = Mutate(original, random);
            bool oldOk = LegacyJsonParser.TryParse(mutated, out var oldValue, out var oldError);
            bool newOk = StrictJsonParser.TryParse(mutated, out var newValue, out var newError);
            string input = Encoding.UTF8.GetString(mutated);
            Assert.True(oldOk == newOk, $"old {(oldOk ? "accepts" : "rejects: " + oldError)}, new {(newOk ? "accepts" : "rejects: " + newError)}; input:\n{input}");
            if (oldOk)
            {
                accepted++;
                Assert.Equal(CanonicalJsonWriter.Serialize(oldValue), CanonicalJsonWriter.Serialize(newValue));
            }
            else
            {
                rejected++;
                Assert.True(oldError!.Message == newError!.Message, $"old: {oldError.Message}\nnew: {newError.Message}\ninput:\n{input}");
            }
        }
        Assert.True(accepted > 0 && rejected > 0, $"mutations exercised only one side: {accepted} accepted, {rejected} rejected");
    }

    private static byte[] Mutate(byte[] source, Random random)
    {
        var bytes = source.ToList();
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits && bytes.Count > 0; e++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0: bytes[at] = Alphabet[random.Next(Alphabet.Length)]; break;
                case 1: bytes.Insert(at, Alphabet[random.Next(Alphabet.Length)]); break;
                case 2: bytes.RemoveAt(at); break;
                case 3: bytes.InsertRange(at, Encoding.UTF8.GetBytes(Fragments[random.Next(Fragments.Length)])); break;
                case 4: bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(12))); break;
                case 5: bytes.RemoveRange(at, bytes.Count - at); break;
                default:
                    // Replace a value-looking token start with another token: keeps much of the document parseable.
                    int quote = bytes.IndexOf((byte)':', at);
                    if (quote >= 0 && quote + 2 < bytes.Count) bytes.InsertRange(quote + 2, Encoding.UTF8.GetBytes(Fragments[random.Next(Fragments.Length)] + ", "));
                    break;
            }
        }
        return bytes.ToArray();
    }
}
