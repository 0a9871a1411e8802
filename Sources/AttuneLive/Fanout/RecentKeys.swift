/// The last `capacity` distinct keys inserted: a set that forgets its oldest members first, so
/// what it remembers stays bounded however long the server runs.
struct RecentKeys<Key: Hashable> {
    let capacity: Int
    private var members: Set<Key> = []
    /// Members in the order they came; the oldest is at `head`.
    private var order: [Key] = []
    private var head = 0

    init(capacity: Int) {
        precondition(capacity > 0, "RecentKeys needs room for one key")
        self.capacity = capacity
    }

    var count: Int { members.count }

    func contains(_ key: Key) -> Bool { members.contains(key) }

    mutating func insert(_ key: Key) {
        guard members.insert(key).inserted else { return }
        order.append(key)
        if members.count > capacity {
            members.remove(order[head])
            head += 1
            if head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
        }
    }
}
