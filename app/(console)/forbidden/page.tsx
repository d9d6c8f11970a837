import { forbidden } from "next/navigation";

// middleware.ts rewrites non-admin requests for /settings/** here: a 403 with the forbidden page.
export default function ForbiddenPage() {
  forbidden();
}
