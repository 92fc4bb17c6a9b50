extension UserStore {
    /// Adds a rule after checking it against the catalog and the limits; returns it as stored.
    @discardableResult
    public func addRule(
        _ rule: AlertRule, for name: String, catalog: SensorCatalog, limits: AlertRuleLimits
    ) throws(UserStoreError) -> AlertRule {
        try modify { file throws(UserStoreError) in
            guard let index = file.users.firstIndex(where: { $0.name == name }) else { throw .notFound(name) }
            var rules = file.users[index].rules ?? []
            do throws(AlertRuleError) {
                try rule.validate(catalog: catalog, limits: limits, existingRules: rules.count)
            } catch {
                throw .refused(error.description)
            }
            var stored = rule
            while rules.contains(where: { $0.id == stored.id }) { stored.id = AlertRule.makeID() }
            rules.append(stored)
            file.users[index].rules = rules
            return stored
        }
    }

    public func removeRule(_ id: String, for name: String) throws(UserStoreError) {
        try modify { file throws(UserStoreError) in
            guard let index = file.users.firstIndex(where: { $0.name == name }) else { throw .notFound(name) }
            guard let rules = file.users[index].rules, rules.contains(where: { $0.id == id }) else {
                throw .refused("\(name) has no rule \(id)")
            }
            file.users[index].rules = rules.filter { $0.id != id }
        }
    }

    /// Names one of the user's devices; an empty name removes the name.
    public func nameDevice(_ deviceID: String, _ deviceName: String, for name: String) throws(UserStoreError) {
        guard DeviceName.isValidDeviceID(deviceID) else {
            throw .refused("a device id is two letters or digits, such as 01")
        }
        do {
            try DeviceName.validate(deviceName)
        } catch {
            throw .refused(error.description)
        }
        try modify { file throws(UserStoreError) in
            guard let index = file.users.firstIndex(where: { $0.name == name }) else { throw .notFound(name) }
            var names = file.users[index].deviceNames ?? [:]
            names[deviceID] = deviceName.isEmpty ? nil : deviceName
            file.users[index].deviceNames = names.isEmpty ? nil : names
        }
    }
}
