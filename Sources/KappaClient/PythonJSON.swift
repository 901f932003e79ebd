/// What Python's `json.dumps(text)` makes of a string, byte for byte: the serializer of the course's
/// producers (`value_serializer=lambda v: dumps(v).encode('utf-8')`), so `kappa produce --serializer
/// json` writes the same bytes they do.
public enum PythonJSON {
    /// A quoted JSON string with everything outside printable ASCII escaped (`ensure_ascii=True`):
    /// `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, other characters as lowercase `\uXXXX`, characters
    /// beyond the BMP as surrogate pairs.
    public static func dumps(_ text: String) -> String {
        JSONString.quote(text, asciiOnly: true)
    }
}
