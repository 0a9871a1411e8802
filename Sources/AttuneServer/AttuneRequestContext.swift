import Hummingbird

/// The request context of every HTTP route.
struct AttuneRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage

    init(source: Source) {
        coreContext = .init(source: source)
    }
}
