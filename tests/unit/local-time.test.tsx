// @vitest-environment jsdom
import { render, screen } from "@testing-library/react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { LocalTime, formatTime } from "@/components/ui/local-time";

const AT = "2030-01-01T12:00:05.000Z";

describe("a time on the page", () => {
  it("is written in a zone with its name, to the minute or the second", () => {
    expect(formatTime(AT, { timeZone: "Europe/Berlin" })).toBe("Jan 1, 2030, 1:00 PM GMT+1");
    expect(formatTime(AT, { timeZone: "America/New_York", seconds: true })).toBe("Jan 1, 2030, 7:00:05 AM EST");
  });

  it("comes from the server in UTC, and the browser rewrites it in the reader's zone", () => {
    expect(renderToString(<LocalTime at={AT} />)).toContain("Jan 1, 2030, 12:00 PM UTC");
    render(<LocalTime at={new Date(AT)} />);
    const time = screen.getByText(formatTime(AT));
    expect(time.tagName).toBe("TIME");
    expect(time).toHaveAttribute("datetime", AT);
  });
});
