namespace LatentSharp.Text;

/// <summary>
/// The ranked merge list of a byte-pair vocabulary (merges.txt) and the merge loop CLIP uses: a word
/// starts as its byte-level characters, the last one carrying the end-of-word marker "&lt;/w&gt;"; then,
/// repeatedly, the adjacent pair with the lowest rank is merged everywhere it occurs (left to right,
/// non-overlapping) until no adjacent pair is in the list.
/// </summary>
internal sealed class BpeMerges
{
    public const string EndOfWord = "</w>";

    readonly Dictionary<(string Left, string Right), int> ranks;

    /// <param name="merges">Pairs in rank order. A repeated pair keeps its last rank, as a Python
    /// dict built from the file does.</param>
    public BpeMerges(IEnumerable<(string Left, string Right)> merges)
    {
        ranks = [];
        int rank = 0;
        foreach (var pair in merges) ranks[pair] = rank++;
        Pairs = ranks.OrderBy(kv => kv.Value).Select(kv => kv.Key).ToArray();
    }

    /// <summary>The distinct pairs in rank order (what merges.txt holds after its header).</summary>
    public IReadOnlyList<(string Left, string Right)> Pairs { get; }

    /// <summary>The symbols of one word, given as byte-level characters (<see cref="ByteLevelAlphabet"/>).</summary>
    public List<string> Apply(string word)
    {
        ArgumentException.ThrowIfNullOrEmpty(word);
        var symbols = new List<string>(word.Length);
        for (int i = 0; i < word.Length - 1; i++) symbols.Add(word[i].ToString());
        symbols.Add(word[^1] + EndOfWord);

        while (symbols.Count > 1)
        {
            var best = LowestRankedPair(symbols);
            if (best is not var (left, right)) break;
            MergeAll(symbols, left, right);
        }
        return symbols;
    }

    (string, string)? LowestRankedPair(List<string> symbols)
    {
        (string, string)? best = null;
        int bestRank = int.MaxValue;
        for (int i = 0; i < symbols.Count - 1; i++)
            if (ranks.TryGetValue((symbols[i], symbols[i + 1]), out int r) && r < bestRank)
            {
                bestRank = r;
                best = (symbols[i], symbols[i + 1]);
            }
        return best;
    }

    static void MergeAll(List<string> symbols, string left, string right)
    {
        int write = 0;
        for (int read = 0; read < symbols.Count; write++)
        {
            if (read < symbols.Count - 1 && symbols[read] == left && symbols[read + 1] == right)
            {
                symbols[write] = left + right;
                read += 2;
            }
            else symbols[write] = symbols[read++];
        }
        symbols.RemoveRange(write, symbols.Count - write);
    }
}
