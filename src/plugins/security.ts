import fp from 'fastify-plugin'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'

/** Response headers for every answer, and the rate limiter that routes opt into. */
export default fp(async app => {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"]
      }
    },
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: app.config.baseUrl.startsWith('https:') ? { maxAge: 31536000 } : false,
    crossOriginEmbedderPolicy: false
  })
  await app.register(rateLimit, { global: false })
}, { name: 'security' })
