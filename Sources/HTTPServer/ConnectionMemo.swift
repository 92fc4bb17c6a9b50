import Synchronization

/// One value a handler may keep with a connection, for the next request on it: every request of a
/// keep-alive connection carries the same memo, and a new connection starts with an empty one.
/// (The write endpoints keep the device token's digest here, so a client presenting the same
/// token again is not hashed again.) A connection's requests are handled one at a time; the lock
/// only makes that safe to state.
public final class ConnectionMemo: Sendable {
    /// An object, so that recalling it compares its class (a struct in an existential cost a
    /// dynamic cast of about a thousand instructions).
    private let value = Mutex<(any AnyObject & Sendable)?>(nil)

    public init() {}

    /// The remembered value if it is exactly of class `Value` (not a subclass): the class compared,
    /// then the cast left unchecked. Inlinable, so that callers get it specialised: generic, with
    /// `as?`, it looked up `Optional<Value>`'s metadata on every call (~350 instructions a request).
    @inlinable
    public func recall<Value: AnyObject & Sendable>(_ type: Value.Type) -> Value? {
        guard let stored = remembered, ObjectIdentifier(Swift.type(of: stored)) == ObjectIdentifier(Value.self) else {
            return nil
        }
        return unsafeDowncast(stored, to: Value.self)
    }

    /// The remembered value, whatever its class.
    public var remembered: (any AnyObject & Sendable)? { value.withLock { $0 } }

    public func remember(_ newValue: some AnyObject & Sendable) { value.withLock { $0 = newValue } }
}
