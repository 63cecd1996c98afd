/// "Did you mean" by edit distance.
public enum Suggest {
  /// The candidate closest to `word` within `maxDistance` edits (ties: first in order).
  public static func closest(to word: String, in candidates: [String], maxDistance: Int? = nil) -> String? {
    let limit = maxDistance ?? max(1, min(3, word.count / 3 + 1))
    var best: (String, Int)? = nil
    for c in candidates where c != word && abs(c.count - word.count) <= limit {
      let d = distance(word, c)
      if d <= limit, d < (best?.1 ?? Int.max) { best = (c, d) }
    }
    return best?.0
  }

  /// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions).
  public static func distance(_ a: String, _ b: String) -> Int {
    let x = Array(a.lowercased()), y = Array(b.lowercased())
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var prev2 = [Int](repeating: 0, count: y.count + 1)
    var prev = Array(0...y.count)
    var cur = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
      cur[0] = i
      for j in 1...y.count {
        let cost = x[i - 1] == y[j - 1] ? 0 : 1
        cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
        if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] { cur[j] = min(cur[j], prev2[j - 2] + 1) }
      }
      prev2 = prev
      prev = cur
    }
    return prev[y.count]
  }
}
