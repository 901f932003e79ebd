/// Formats a record the way the course's get.py prints it, so students see the same lines.
///
/// get.py runs `print('Key=', key, ', Value=\'', value, '\'')`; `print` joins its arguments with spaces,
/// hence the spaces inside the quotes: `Key= MYID , Value=' A20545137 '`.
public enum GetPyFormat {
    public static func line(_ m: ConsumedMessage, deserializer: Deserializer) -> String {
        "Key= " + deserializer.display(m.key, size: m.keySize) + " , Value=' "
            + deserializer.display(m.value, size: m.valueSize) + " '"
    }
}
